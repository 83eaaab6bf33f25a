# expect: clean
# style: gradient-accumulation loop for a large-batch BERT-like MLM, zero_grad placed after the step
# note: zero_grad() is not at the top of the loop, but it runs right after optimizer.step() at each accumulation boundary (and once before the loop), so gradients are cleared between updates and never between backward and step
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mlm")
VOCAB, MASK, PAD = 8000, 3, 0


class Sentences(Dataset):
    def __init__(self, n, L=64):
        self.ids = torch.randint(5, VOCAB, (n, L))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        x = self.ids[i].clone()
        labels = torch.full_like(x, -100)
        m = torch.rand(x.shape) < 0.15
        labels[m] = x[m]
        x[m] = MASK
        return x, labels


class TinyBert(nn.Module):
    def __init__(self, dim=256, layers=4):
        super().__init__()
        self.emb = nn.Embedding(VOCAB, dim)
        self.pos = nn.Parameter(torch.zeros(1, 64, dim))
        enc = nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True, activation="gelu")
        self.enc = nn.TransformerEncoder(enc, layers)
        self.head = nn.Linear(dim, VOCAB)

    def forward(self, x):
        return self.head(self.enc(self.emb(x) + self.pos[:, : x.size(1)]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--micro-bs", type=int, default=16)
    ap.add_argument("--accum", type=int, default=8)
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = TinyBert().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    loader = DataLoader(Sentences(20000), batch_size=args.micro_bs, shuffle=True, drop_last=True)
    updates_per_epoch = len(loader) // args.accum
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda u: min(1.0, (u + 1) / 100) * max(0.0, 1 - u / (args.epochs * updates_per_epoch)))

    opt.zero_grad(set_to_none=True)
    update = 0
    for ep in range(args.epochs):
        model.train()
        acc_loss = 0.0
        for i, (x, labels) in enumerate(loader):
            x, labels = x.to(dev), labels.to(dev)
            logits = model(x)
            loss = F.cross_entropy(logits.view(-1, VOCAB), labels.view(-1), ignore_index=-100) / args.accum
            loss.backward()
            acc_loss += loss.item()
            if (i + 1) % args.accum == 0:
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                update += 1
                if update % 20 == 0:
                    log.info("ep %d update %d loss %.4f ppl %.1f", ep, update, acc_loss, math.exp(min(acc_loss, 20)))
                acc_loss = 0.0
        torch.save(model.state_dict(), f"tinybert_ep{ep}.pt")


if __name__ == "__main__":
    main()
