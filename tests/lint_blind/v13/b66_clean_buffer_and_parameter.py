# expect: clean
# style: research model with a learnable positional scale and running statistics, time-series classification (InceptionTime-like)
# note: the learnable scale/temperature are nn.Parameter and the non-learned tensors (running mean, sinusoid table) are registered buffers; a plain tensor attribute is only a frozen constant copied in forward
import argparse
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tsc")


class InputNorm(nn.Module):
    def __init__(self, channels, momentum=0.01):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("running_mean", torch.zeros(channels, 1))
        self.register_buffer("running_var", torch.ones(channels, 1))
        self.gain = nn.Parameter(torch.ones(channels, 1))

    def forward(self, x):
        if self.training:
            m, v = x.mean((0, 2))[:, None], x.var((0, 2))[:, None]
            with torch.no_grad():
                self.running_mean.lerp_(m, self.momentum)
                self.running_var.lerp_(v, self.momentum)
        else:
            m, v = self.running_mean, self.running_var
        return self.gain * (x - m) / torch.sqrt(v + 1e-5)


class InceptionBlock(nn.Module):
    def __init__(self, cin, cout=32):
        super().__init__()
        self.bottleneck = nn.Conv1d(cin, cout, 1)
        self.branches = nn.ModuleList([nn.Conv1d(cout, cout, k, padding=k // 2) for k in (9, 19, 39)])
        self.pool_branch = nn.Sequential(nn.MaxPool1d(3, 1, 1), nn.Conv1d(cin, cout, 1))
        self.bn = nn.BatchNorm1d(4 * cout)

    def forward(self, x):
        b = self.bottleneck(x)
        return F.relu(self.bn(torch.cat([br(b) for br in self.branches] + [self.pool_branch(x)], 1)))


class InceptionTimeLite(nn.Module):
    def __init__(self, cin, n_cls, length):
        super().__init__()
        self.norm = InputNorm(cin)
        pos = torch.arange(length)[None, :] / length
        self.register_buffer("pos_table", torch.sin(2 * math.pi * pos * torch.arange(1, 5)[:, None]))
        self.pos_scale = nn.Parameter(torch.tensor(0.1))
        self.blocks = nn.Sequential(InceptionBlock(cin + 4), InceptionBlock(128), InceptionBlock(128))
        self.log_temp = nn.Parameter(torch.zeros(()))
        self.fc = nn.Linear(128, n_cls)
        self.eps = torch.tensor(1e-6)  # constant, never trained

    def forward(self, x):
        x = self.norm(x)
        pos = self.pos_scale * self.pos_table[None].expand(x.size(0), -1, -1)
        h = self.blocks(torch.cat([x, pos], 1)).mean(-1)
        return self.fc(h) / (self.log_temp.exp() + self.eps.to(h.device))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(3000, 3, 256), torch.randint(0, 6, (3000,))
    tr = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=256)
    model = InceptionTimeLite(3, 6, 256)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)
    for ep in range(args.epochs):
        model.train()
        for xb, yb in tr:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            vl = sum(F.cross_entropy(model(xb), yb, reduction="sum").item() for xb, yb in va) / 500
        sched.step(vl)
        log.info("epoch %d val loss %.4f temp %.3f", ep, vl, model.log_temp.exp().item())


if __name__ == "__main__":
    main()
