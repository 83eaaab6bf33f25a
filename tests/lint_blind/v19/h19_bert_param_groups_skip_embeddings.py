# expect: TVL006
# style: HF-like fine-tuning script with a hand-written weight-decay param-group builder
# bug: `get_param_groups` silently drops every parameter whose name contains "embeddings" (meant to be frozen), but the embeddings keep requires_grad=True, so their gradients are computed each step and never applied
import argparse
import logging
import math
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)

NO_DECAY = ("bias", "LayerNorm.weight", "norm.weight")
SKIP = ("embeddings",)


class Embeddings(nn.Module):
    def __init__(self, vocab, dim, max_len):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, dim, padding_idx=0)
        self.position_embeddings = nn.Embedding(max_len, dim)
        self.LayerNorm = nn.LayerNorm(dim)

    def forward(self, ids):
        pos = torch.arange(ids.size(1), device=ids.device)[None]
        return self.LayerNorm(self.word_embeddings(ids) + self.position_embeddings(pos))


class TinyBert(nn.Module):
    def __init__(self, vocab=30522, dim=256, layers=4, heads=4, max_len=128, n_labels=3):
        super().__init__()
        self.embeddings = Embeddings(vocab, dim, max_len)
        enc = nn.TransformerEncoderLayer(dim, heads, 4 * dim, dropout=0.1, batch_first=True, activation="gelu")
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.pooler = nn.Sequential(nn.Linear(dim, dim), nn.Tanh())
        self.classifier = nn.Linear(dim, n_labels)

    def forward(self, ids, pad_mask):
        h = self.encoder(self.embeddings(ids), src_key_padding_mask=pad_mask)
        return self.classifier(self.pooler(h[:, 0]))


def get_param_groups(model, weight_decay):
    decay, no_decay = [], []
    for name, p in model.named_parameters():
        if any(s in name for s in SKIP):
            continue  # keep pretrained embeddings as they are
        if any(nd in name for nd in NO_DECAY):
            no_decay.append(p)
        else:
            decay.append(p)
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]


def linear_warmup_decay(optimizer, warmup, total):
    def fn(step):
        if step < warmup:
            return step / max(1, warmup)
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, fn)


class NLIData(Dataset):
    def __init__(self, n, vocab, max_len, seed):
        rng = np.random.default_rng(seed)
        self.ids = rng.integers(1, vocab, size=(n, max_len))
        self.lens = rng.integers(10, max_len, size=n)
        self.labels = rng.integers(0, 3, size=n)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        ids = self.ids[i].copy()
        ids[self.lens[i]:] = 0
        return torch.from_numpy(ids).long(), int(self.labels[i])


def collate(batch):
    ids = torch.stack([b[0] for b in batch])
    return ids, ids.eq(0), torch.tensor([b[1] for b in batch])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--weight_decay", type=float, default=0.01)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--warmup_ratio", type=float, default=0.1)
    ap.add_argument("--batch_size", type=int, default=32)
    ap.add_argument("--output_dir", default="out/tinybert-nli")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    random.seed(42)
    torch.manual_seed(42)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(NLIData(20000, 30522, 128, 0), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(NLIData(2000, 30522, 128, 1), batch_size=128, collate_fn=collate)
    model = TinyBert().to(device)
    optimizer = torch.optim.AdamW(get_param_groups(model, args.weight_decay), lr=args.lr)
    total = args.epochs * len(train_dl)
    scheduler = linear_warmup_decay(optimizer, int(args.warmup_ratio * total), total)

    step = 0
    for epoch in range(args.epochs):
        model.train()
        for ids, pad, labels in train_dl:
            ids, pad, labels = ids.to(device), pad.to(device), labels.to(device)
            loss = F.cross_entropy(model(ids, pad), labels)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            if step % 100 == 0:
                logger.info("step %d/%d loss %.4f lr %.2e", step, total, loss.item(), scheduler.get_last_lr()[0])
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for ids, pad, labels in dev_dl:
                pred = model(ids.to(device), pad.to(device)).argmax(-1).cpu()
                correct += (pred == labels).sum().item()
                n += labels.numel()
        logger.info("epoch %d dev acc %.4f", epoch, correct / n)

    os.makedirs(args.output_dir, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.output_dir, "pytorch_model.bin"))


if __name__ == "__main__":
    main()
