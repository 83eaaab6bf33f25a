# expect: TVL014
# style: dataclass config + Trainer, GPT-style LM resuming
# bug: TrainConfig.init_from is filled from --init-from on the command line and Trainer._restore() passes it to torch.load without weights_only=True.
import argparse
import logging
import os
import random
import time

from dataclasses import dataclass, field

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


@dataclass
class TrainConfig:
    vocab_size: int = 4096
    d_model: int = 192
    n_layers: int = 3
    seq_len: int = 64
    lr: float = 6e-4
    batch_size: int = 32
    epochs: int = 3
    init_from: str = "scratch"
    out_dir: str = "out-lm"


class LM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.rnn = nn.LSTM(cfg.d_model, cfg.d_model, cfg.n_layers, batch_first=True)
        self.out = nn.Linear(cfg.d_model, cfg.vocab_size)

    def forward(self, idx):
        h, _ = self.rnn(self.emb(idx))
        return self.out(h)


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = LM(cfg)
        self.opt = torch.optim.AdamW(self.model.parameters(), lr=cfg.lr)
        self.iter_num = 0
        if cfg.init_from != "scratch":
            self._restore(cfg.init_from)

    def _restore(self, path):
        ckpt = torch.load(path, map_location="cpu")
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["optimizer"])
        self.iter_num = ckpt.get("iter_num", 0)
        logger.info("resumed from %s at iter %d", path, self.iter_num)

    def fit(self, loader):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            for x, y in loader:
                logits = self.model(x)
                loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.opt.step()
                self.iter_num += 1
                if self.iter_num % 100 == 0:
                    logger.info("iter %d loss %.4f", self.iter_num, loss.item())
            save_checkpoint({"model": self.model.state_dict(), "optimizer": self.opt.state_dict(),
                             "iter_num": self.iter_num}, self.cfg.out_dir, "ckpt.pt")


def config_from_cli():
    ap = argparse.ArgumentParser()
    ap.add_argument("--init-from", default="scratch", help="'scratch' or path to ckpt.pt")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=6e-4)
    a = ap.parse_args()
    return TrainConfig(init_from=a.init_from, epochs=a.epochs, lr=a.lr)


def main():
    cfg = config_from_cli()
    set_seed(1337)
    data = torch.randint(0, cfg.vocab_size, (100_000,))
    n = (len(data) - 1) // cfg.seq_len
    x = data[: n * cfg.seq_len].view(n, cfg.seq_len)
    y = data[1: n * cfg.seq_len + 1].view(n, cfg.seq_len)
    loader = DataLoader(TensorDataset(x, y), batch_size=cfg.batch_size, shuffle=True)
    Trainer(cfg).fit(loader)


if __name__ == "__main__":
    main()
