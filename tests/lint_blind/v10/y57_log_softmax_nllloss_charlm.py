# expect: clean
# style: character-level LSTM language model
# note: The model returns log-probabilities (F.log_softmax) and the loss is nn.NLLLoss, which expects exactly that.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class CharLM(nn.Module):
    def __init__(self, vocab=96, emb=64, hid=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb)
        self.lstm = nn.LSTM(emb, hid, 2, batch_first=True, dropout=0.2)
        self.out = nn.Linear(hid, vocab)

    def forward(self, x, state=None):
        h, state = self.lstm(self.emb(x), state)
        return F.log_softmax(self.out(h), dim=-1), state


def sample(model, start, n, temperature=0.8):
    model.eval()
    idx = torch.tensor([[start]])
    out, state = [start], None
    with torch.no_grad():
        for _ in range(n):
            logp, state = model(idx, state)
            nxt = torch.multinomial((logp[0, -1] / temperature).exp(), 1).item()
            out.append(nxt)
            idx = torch.tensor([[nxt]])
    model.train()
    return out


args = parse_args()
set_seed(args.seed)
text = torch.randint(0, 96, (300_000,))
seq = 100
n = (len(text) - 1) // seq
x = text[: n * seq].view(n, seq)
y = text[1: n * seq + 1].view(n, seq)
loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)
model = CharLM().to(args.device)
criterion = nn.NLLLoss()
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for epoch in range(args.epochs):
    model.train()
    meter = AverageMeter("nll")
    for xb, yb in loader:
        xb, yb = xb.to(args.device), yb.to(args.device)
        opt.zero_grad()
        logp, _ = model(xb)
        loss = criterion(logp.reshape(-1, logp.size(-1)), yb.reshape(-1))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        meter.update(loss.item(), xb.size(0))
    logger.info("epoch %d nll %.4f bpc %.3f sample=%s", epoch, meter.avg, meter.avg / np.log(2), sample(model, 5, 20)[:10])
save_checkpoint({"model": model.state_dict()}, args.out_dir)
