# expect: clean
# style: custom layers with learned temperature/position tables and non-learned buffers, time-series transformer classifier
# note: tensors are attached to modules in several ways; the learned ones (pos table, temperature, class token) are nn.Parameter, and the fixed ones (sinusoid basis, causal mask, running stats) are register_buffer, so nothing that should train is left out.
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LearnedPlusSinusoid(nn.Module):
    def __init__(self, max_len, d):
        super().__init__()
        pos = torch.arange(max_len).unsqueeze(1)
        div = torch.exp(torch.arange(0, d, 2) * (-math.log(10000.0) / d))
        pe = torch.zeros(max_len, d)
        pe[:, 0::2], pe[:, 1::2] = torch.sin(pos * div), torch.cos(pos * div)
        self.register_buffer("sinusoid", pe, persistent=False)
        self.learned = nn.Parameter(torch.zeros(max_len, d))
        nn.init.normal_(self.learned, std=0.01)

    def forward(self, x):
        T = x.size(1)
        return x + self.sinusoid[:T] + self.learned[:T]


class RunningInputNorm(nn.Module):
    def __init__(self, c, momentum=0.01):
        super().__init__()
        self.register_buffer("mean", torch.zeros(c))
        self.register_buffer("var", torch.ones(c))
        self.momentum = momentum

    def forward(self, x):
        if self.training:
            with torch.no_grad():
                self.mean.lerp_(x.mean((0, 1)), self.momentum)
                self.var.lerp_(x.var((0, 1)), self.momentum)
        return (x - self.mean) / (self.var + 1e-5).sqrt()


class CosineClassifier(nn.Module):
    def __init__(self, d, n_cls):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_cls, d) * 0.02)
        self.log_temp = nn.Parameter(torch.tensor(math.log(10.0)))

    def forward(self, h):
        return self.log_temp.exp() * F.normalize(h, dim=-1) @ F.normalize(self.weight, dim=-1).t()


class TSClassifier(nn.Module):
    def __init__(self, c_in=9, d=64, n_cls=6, max_len=128):
        super().__init__()
        self.norm_in = RunningInputNorm(c_in)
        self.inp = nn.Linear(c_in, d)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = LearnedPlusSinusoid(max_len + 1, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 4, 2 * d, 0.1, batch_first=True), 2)
        self.head = CosineClassifier(d, n_cls)

    def forward(self, x):
        h = self.inp(self.norm_in(x))
        h = torch.cat([self.cls_token.expand(h.size(0), -1, -1), h], 1)
        return self.head(self.enc(self.pos(h))[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    torch.manual_seed(0)
    y = torch.randint(0, 6, (8000,))
    t = torch.linspace(0, 1, 128)
    x = torch.sin(2 * math.pi * t[None, :, None] * (y[:, None, None] + 1)).repeat(1, 1, 9) * 3 + 5 + torch.randn(8000, 128, 9)
    train_dl = DataLoader(TensorDataset(x[:7000], y[:7000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[7000:], y[7000:]), batch_size=256)
    model = TSClassifier()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"{n_params} trainable parameters; buffers: {[n for n, _ in model.named_buffers()]}")
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in train_dl:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            hit = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in val_dl)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} acc {hit / len(val_dl.dataset):.4f} "
              f"temp {model.head.log_temp.exp().item():.2f}")


if __name__ == "__main__":
    main()
