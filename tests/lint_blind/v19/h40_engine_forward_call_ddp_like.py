# expect: TVL013
# style: engine class wrapping a model for a sequence tagger (NER, BiLSTM-CRF-lite), with a hook for weight noise
# bug: `TaggerEngine.compute_loss` calls self.model.forward(...) instead of self.model(...), so the weight-noise forward pre-hook installed by the engine never fires during training
import argparse
import logging
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("ner")
TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
PAD = 0


class TaggingData(Dataset):
    def __init__(self, n, vocab, seed=0):
        rng = np.random.default_rng(seed)
        self.rows = []
        for _ in range(n):
            L = int(rng.integers(5, 40))
            toks = rng.integers(1, vocab, L)
            tags = np.where(toks % 11 == 0, rng.integers(1, len(TAGS), L), 0)
            self.rows.append((toks, tags))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def pad_batch(batch):
    L = max(len(t) for t, _ in batch)
    toks = torch.zeros(len(batch), L, dtype=torch.long)
    tags = torch.full((len(batch), L), -100, dtype=torch.long)
    for i, (t, g) in enumerate(batch):
        toks[i, : len(t)] = torch.from_numpy(t)
        tags[i, : len(g)] = torch.from_numpy(g)
    return toks, tags


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab, n_tags, emb=100, hidden=200):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True, num_layers=2, dropout=0.3)
        self.drop = nn.Dropout(0.3)
        self.out = nn.Linear(2 * hidden, n_tags)

    def forward(self, toks):
        h, _ = self.lstm(self.drop(self.emb(toks)))
        return self.out(self.drop(h))


def weight_noise_hook(std):
    def hook(module, args):
        if module.training and std > 0:
            with torch.no_grad():
                module.emb.weight.add_(torch.randn_like(module.emb.weight) * std)
    return hook


class TaggerEngine:
    def __init__(self, model, optimizer, device, noise_std=0.0):
        self.model = model
        self.optimizer = optimizer
        self.device = device
        self.model.register_forward_pre_hook(weight_noise_hook(noise_std))

    def compute_loss(self, toks, tags):
        logits = self.model.forward(toks)
        return F.cross_entropy(logits.view(-1, logits.size(-1)), tags.view(-1), ignore_index=-100)

    def train_epoch(self, loader):
        self.model.train()
        losses = []
        for toks, tags in loader:
            toks, tags = toks.to(self.device), tags.to(self.device)
            loss = self.compute_loss(toks, tags)
            self.optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.optimizer.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        tp = fp = fn = 0
        for toks, tags in loader:
            pred = self.model(toks.to(self.device)).argmax(-1).cpu()
            valid = tags != -100
            ent_p = (pred != 0) & valid
            ent_t = (tags != 0) & valid
            tp += (ent_p & ent_t & (pred == tags)).sum().item()
            fp += (ent_p & ~(ent_t & (pred == tags))).sum().item()
            fn += (ent_t & ~(ent_p & (pred == tags))).sum().item()
        self.model.train()
        prec = tp / max(1, tp + fp)
        rec = tp / max(1, tp + fn)
        return 2 * prec * rec / max(1e-8, prec + rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=15000)
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--noise", type=float, default=1e-3)
    ap.add_argument("--out", default="ner_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    random.seed(0)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(TaggingData(12000, args.vocab), batch_size=32, shuffle=True, collate_fn=pad_batch)
    dev_dl = DataLoader(TaggingData(1500, args.vocab, seed=1), batch_size=128, collate_fn=pad_batch)
    model = BiLSTMTagger(args.vocab, len(TAGS)).to(device)
    engine = TaggerEngine(model, torch.optim.Adam(model.parameters(), lr=args.lr), device, args.noise)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        loss = engine.train_epoch(train_dl)
        f1 = engine.evaluate(dev_dl)
        logger.info("epoch %d loss %.4f dev F1 %.4f", epoch, loss, f1)
        if f1 > best:
            best = f1
            torch.save(model.state_dict(), os.path.join(args.out, "tagger.pt"))


if __name__ == "__main__":
    main()
