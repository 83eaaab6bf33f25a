# expect: TVL005
# style: speech encoder built by a helper from a layer spec list; layers kept in a Python list
# bug: `build_blocks` returns a plain list and the encoder stores it as `self.blocks`, so the conformer-ish conv blocks are not registered submodules
from dataclasses import dataclass, field
from typing import List

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class EncoderConfig:
    n_mels: int = 80
    d_model: int = 144
    kernel_sizes: List[int] = field(default_factory=lambda: [3, 5, 7, 9])
    n_speakers: int = 50
    dropout: float = 0.1


class ConvBlock(nn.Module):
    def __init__(self, d, k, p):
        super().__init__()
        self.norm = nn.LayerNorm(d)
        self.dw = nn.Conv1d(d, d, k, padding=k // 2, groups=d)
        self.pw = nn.Linear(d, d)
        self.drop = nn.Dropout(p)

    def forward(self, x):
        h = self.norm(x).transpose(1, 2)
        h = F.silu(self.dw(h)).transpose(1, 2)
        return x + self.drop(self.pw(h))


def build_blocks(cfg: EncoderConfig):
    return [ConvBlock(cfg.d_model, k, cfg.dropout) for k in cfg.kernel_sizes]


class SpeakerEncoder(nn.Module):
    def __init__(self, cfg: EncoderConfig):
        super().__init__()
        self.inp = nn.Linear(cfg.n_mels, cfg.d_model)
        self.blocks = build_blocks(cfg)
        self.cls = nn.Linear(cfg.d_model, cfg.n_speakers)

    def forward(self, mels):
        h = self.inp(mels)
        for blk in self.blocks:
            h = blk(h)
        return self.cls(h.mean(1))


def train(cfg: EncoderConfig, epochs=4):
    model = SpeakerEncoder(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    ds = TensorDataset(torch.randn(400, 100, cfg.n_mels), torch.randint(0, cfg.n_speakers, (400,)))
    dl = DataLoader(ds, batch_size=32, shuffle=True, drop_last=True)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model params: {n_params/1e3:.1f}k")
    for ep in range(epochs):
        model.train()
        correct = tot_loss = 0.0
        for mels, spk in dl:
            logits = model(mels)
            loss = F.cross_entropy(logits, spk)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot_loss += loss.item()
            correct += (logits.argmax(-1) == spk).sum().item()
        print(f"ep {ep} loss {tot_loss/len(dl):.3f} acc {correct/(len(dl)*32):.3f}")


if __name__ == "__main__":
    train(EncoderConfig())
