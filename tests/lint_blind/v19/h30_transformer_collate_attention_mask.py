# expect: TVL010
# style: HF-style tokenizer output (attention_mask 1 = real token) feeding a hand-written nn.TransformerEncoder classifier
# bug: the collate function builds an HF-style attention_mask (1/True = real token) and the model passes attention_mask.bool() straight into src_key_padding_mask, where True means "ignore", so real tokens are masked and padding is attended
import argparse
import logging
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("intent")
PAD_ID, CLS_ID = 0, 1


class IntentDataset(Dataset):
    def __init__(self, n, vocab, n_intents, seed=0):
        rng = np.random.default_rng(seed)
        self.samples = []
        for _ in range(n):
            L = int(rng.integers(4, 40))
            label = int(rng.integers(0, n_intents))
            toks = rng.integers(2, vocab, L)
            toks[0] = 2 + label  # weak signal token
            self.samples.append((toks.tolist(), label))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def collate(batch, max_len=48):
    ids = [[CLS_ID] + toks[: max_len - 1] for toks, _ in batch]
    L = max_len  # static shape keeps the encoder kernels happy
    input_ids = torch.full((len(ids), L), PAD_ID, dtype=torch.long)
    attention_mask = torch.zeros((len(ids), L), dtype=torch.long)
    for i, x in enumerate(ids):
        input_ids[i, : len(x)] = torch.tensor(x)
        attention_mask[i, : len(x)] = 1
    labels = torch.tensor([y for _, y in batch])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


class PositionalEncoding(nn.Module):
    def __init__(self, d, max_len=512):
        super().__init__()
        pe = torch.zeros(max_len, d)
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe[:, 0::2] = torch.sin(pos * div)
        pe[:, 1::2] = torch.cos(pos * div)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[: x.size(1)]


class IntentClassifier(nn.Module):
    def __init__(self, vocab, n_intents, d=192, heads=6, layers=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = PositionalEncoding(d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.norm = nn.LayerNorm(d)
        self.cls = nn.Linear(d, n_intents)

    def forward(self, input_ids, attention_mask):
        h = self.pos(self.emb(input_ids))
        h = self.encoder(h, src_key_padding_mask=attention_mask.bool())
        return self.cls(self.norm(h[:, 0]))


def run_eval(model, loader, device):
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for batch in loader:
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(batch["input_ids"], batch["attention_mask"])
            correct += (logits.argmax(-1) == batch["labels"]).sum().item()
            total += batch["labels"].numel()
    model.train()
    return correct / total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--intents", type=int, default=20)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--out", default="intent_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(IntentDataset(30000, args.vocab, args.intents), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(IntentDataset(3000, args.vocab, args.intents, seed=1), batch_size=256, collate_fn=collate)
    model = IntentClassifier(args.vocab, args.intents).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    total_steps = args.epochs * len(train_dl)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=total_steps, pct_start=0.1)

    model.train()
    for epoch in range(args.epochs):
        for step, batch in enumerate(train_dl):
            batch = {k: v.to(device) for k, v in batch.items()}
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"], label_smoothing=0.05)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            if step % 100 == 0:
                logger.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        acc = run_eval(model, val_dl, device)
        logger.info("epoch %d val acc %.4f", epoch, acc)
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "intent.pt"))


if __name__ == "__main__":
    main()
