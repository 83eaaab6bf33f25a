# expect: clean
# style: YAML-like dataclass config and build_dataloader factory (traffic forecasting on a sensor graph)
# note: shuffle comes from the split config rather than a literal; the train split sets shuffle=True and the val/test splits are unshuffled and scored with an order-free MAE.
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class SplitCfg:
    batch_size: int
    shuffle: bool = False
    drop_last: bool = False


@dataclass
class ExpCfg:
    n_sensors: int = 207
    in_steps: int = 12
    out_steps: int = 12
    hidden: int = 64
    epochs: int = 15
    lr: float = 1e-3
    splits: dict = field(default_factory=lambda: {
        "train": SplitCfg(batch_size=64, shuffle=True, drop_last=True),
        "val": SplitCfg(batch_size=128),
        "test": SplitCfg(batch_size=128),
    })


def build_dataloader(ds, split_cfg: SplitCfg):
    return DataLoader(ds, batch_size=split_cfg.batch_size, shuffle=split_cfg.shuffle, drop_last=split_cfg.drop_last)


class GraphGRU(nn.Module):
    def __init__(self, n, hidden, out_steps, adj):
        super().__init__()
        self.register_buffer("adj", adj / adj.sum(1, keepdim=True))
        self.gru = nn.GRU(2, hidden, batch_first=True)
        self.out = nn.Linear(hidden, out_steps)
        self.n = n

    def forward(self, x):  # x: (B, T, N)
        B, T, N = x.shape
        neigh = x @ self.adj.t()
        seq = torch.stack([x, neigh], -1).permute(0, 2, 1, 3).reshape(B * N, T, 2)
        _, h = self.gru(seq)
        return self.out(h[-1]).view(B, N, -1).transpose(1, 2)


def make_split(n_samples, cfg):
    base = torch.sin(torch.linspace(0, 60, n_samples + cfg.in_steps + cfg.out_steps))[:, None] * 20 + 60
    series = base + torch.randn(len(base), cfg.n_sensors)
    xs = torch.stack([series[i:i + cfg.in_steps] for i in range(n_samples)])
    ys = torch.stack([series[i + cfg.in_steps:i + cfg.in_steps + cfg.out_steps] for i in range(n_samples)])
    return TensorDataset(xs, ys)


def run(cfg=ExpCfg()):
    adj = (torch.rand(cfg.n_sensors, cfg.n_sensors) < 0.05).float() + torch.eye(cfg.n_sensors)
    loaders = {s: build_dataloader(make_split(n, cfg), cfg.splits[s]) for s, n in (("train", 2000), ("val", 300), ("test", 300))}
    model = GraphGRU(cfg.n_sensors, cfg.hidden, cfg.out_steps, adj)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in loaders["train"]:
            opt.zero_grad()
            loss = F.l1_loss(model(x), y)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            err = sum((model(x) - y).abs().sum().item() for x, y in loaders["val"])
            count = sum(y.numel() for _, y in loaders["val"])
        print(f"epoch {epoch} val MAE {err / count:.3f}")
    model.eval()
    with torch.no_grad():
        err = sum((model(x) - y).abs().sum().item() for x, y in loaders["test"])
    print("test MAE", err / sum(y.numel() for _, y in loaders["test"]))


if __name__ == "__main__":
    run()
