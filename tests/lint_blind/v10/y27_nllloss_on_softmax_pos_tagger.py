# expect: TVL008
# style: NLP POS tagger, BiLSTM
# bug: The tagger applies F.softmax to the emission scores and nn.NLLLoss is computed on those probabilities.
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


class Tagger(nn.Module):
    def __init__(self, vocab=12000, n_tags=17, emb=100, hid=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hid, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hid, n_tags)

    def forward(self, x):
        h, _ = self.lstm(self.emb(x))
        return self.out(h)


def main():
    args = parse_args()
    set_seed(args.seed)
    words = torch.randint(1, 12000, (4000, 35))
    tags = torch.randint(0, 17, (4000, 35))
    lengths = torch.randint(5, 36, (4000,))
    pad = torch.arange(35)[None, :] >= lengths[:, None]
    words[pad] = 0
    tags[pad] = -100
    loader = DataLoader(TensorDataset(words, tags), batch_size=args.batch_size, shuffle=True)
    model = Tagger().to(args.device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.NLLLoss(ignore_index=-100)
    for epoch in range(args.epochs):
        model.train()
        meter, correct, total = AverageMeter(), 0, 0
        for w, t in loader:
            w, t = w.to(args.device), t.to(args.device)
            scores = model(w)
            probs = F.softmax(scores, dim=-1)
            loss = criterion(probs.view(-1, probs.size(-1)), t.view(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), w.size(0))
            mask = t != -100
            correct += (probs.argmax(-1)[mask] == t[mask]).sum().item()
            total += mask.sum().item()
        logger.info("epoch %d loss %.4f token_acc %.3f", epoch, meter.avg, correct / max(total, 1))
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
