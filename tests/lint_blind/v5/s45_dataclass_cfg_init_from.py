# expect: TVL014
# style: torchtitan/nanoGPT-like config dataclass filled from argparse, Trainer class with _restore(); char-level LSTM LM
# bug: Trainer._restore() does torch.load(self.cfg.init_from, ...) without weights_only=True, and cfg.init_from comes from the --init_from command-line flag
import argparse
from dataclasses import dataclass, fields
import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class TrainConfig:
    init_from: str = ""
    vocab_size: int = 96
    d_model: int = 512
    n_layers: int = 2
    seq_len: int = 128
    batch_size: int = 32
    lr: float = 2e-3
    max_steps: int = 3000

    @classmethod
    def from_cli(cls):
        ap = argparse.ArgumentParser()
        for f in fields(cls):
            ap.add_argument(f"--{f.name}", type=type(f.default), default=f.default)
        return cls(**vars(ap.parse_args()))


class CharLSTM(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.rnn = nn.LSTM(cfg.d_model, cfg.d_model, cfg.n_layers, batch_first=True, dropout=0.2)
        self.out = nn.Linear(cfg.d_model, cfg.vocab_size)

    def forward(self, idx):
        h, _ = self.rnn(self.emb(idx))
        return self.out(h)


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = CharLSTM(cfg)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.step = 0
        if cfg.init_from:
            self._restore()

    def _restore(self):
        ckpt = torch.load(self.cfg.init_from, map_location="cpu")
        self.model.load_state_dict(ckpt["model"])
        self.opt.load_state_dict(ckpt["opt"])
        self.step = ckpt["step"]

    def batch(self, data):
        ix = torch.randint(len(data) - self.cfg.seq_len - 1, (self.cfg.batch_size,))
        x = torch.stack([data[i:i + self.cfg.seq_len] for i in ix])
        y = torch.stack([data[i + 1:i + 1 + self.cfg.seq_len] for i in ix])
        return x, y

    def fit(self, data):
        self.model.train()
        while self.step < self.cfg.max_steps:
            x, y = self.batch(data)
            logits = self.model(x)
            loss = F.cross_entropy(logits.reshape(-1, self.cfg.vocab_size), y.reshape(-1))
            self.opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), 5.0)
            self.opt.step()
            self.step += 1
            if self.step % 200 == 0:
                print(f"step {self.step} loss {loss.item():.3f}")
                torch.save({"model": self.model.state_dict(), "opt": self.opt.state_dict(), "step": self.step},
                           "ckpt.pt")


if __name__ == "__main__":
    cfg = TrainConfig.from_cli()
    Trainer(cfg).fit(torch.randint(0, cfg.vocab_size, (200_000,)))
