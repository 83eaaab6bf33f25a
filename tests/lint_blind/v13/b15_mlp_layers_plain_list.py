# expect: TVL005
# style: tabular classification with a configurable residual MLP built from a config dict
# bug: ResidualMLP keeps its blocks in a plain Python list (self.blocks = [...]), so they are not registered, not moved to the device and not given to the optimizer
import argparse
import json
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)

DEFAULT_CFG = {
    "in_dim": 54,
    "hidden": 256,
    "n_blocks": 4,
    "dropout": 0.15,
    "n_classes": 7,
    "lr": 1e-3,
    "epochs": 10,
    "batch_size": 512,
}


class ResBlock(nn.Module):
    def __init__(self, dim, dropout):
        super().__init__()
        self.norm = nn.BatchNorm1d(dim)
        self.fc1 = nn.Linear(dim, dim * 2)
        self.fc2 = nn.Linear(dim * 2, dim)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = self.fc2(self.drop(F.gelu(self.fc1(self.norm(x)))))
        return x + h


class ResidualMLP(nn.Module):
    def __init__(self, in_dim, hidden, n_blocks, dropout, n_classes):
        super().__init__()
        self.inp = nn.Linear(in_dim, hidden)
        self.blocks = [ResBlock(hidden, dropout) for _ in range(n_blocks)]
        self.out_norm = nn.BatchNorm1d(hidden)
        self.out = nn.Linear(hidden, n_classes)

    def forward(self, x):
        x = self.inp(x)
        for blk in self.blocks:
            x = blk(x)
        return self.out(F.relu(self.out_norm(x)))


def build_model(cfg):
    return ResidualMLP(cfg["in_dim"], cfg["hidden"], cfg["n_blocks"], cfg["dropout"], cfg["n_classes"])


def covertype_like(n, in_dim, n_cls, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, in_dim, generator=g)
    w = torch.randn(in_dim, n_cls, generator=g)
    y = (x @ w + 0.5 * torch.randn(n, n_cls, generator=g)).argmax(1)
    return TensorDataset(x, y)


def fit(model, cfg, device):
    train = DataLoader(covertype_like(20000, cfg["in_dim"], cfg["n_classes"], 0),
                       batch_size=cfg["batch_size"], shuffle=True)
    val = DataLoader(covertype_like(4000, cfg["in_dim"], cfg["n_classes"], 1), batch_size=2048)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for x, y in train:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train.dataset), correct / len(val.dataset))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=None, help="optional JSON file overriding DEFAULT_CFG")
    args = ap.parse_args()
    cfg = dict(DEFAULT_CFG)
    if args.config:
        with open(args.config) as f:
            cfg.update(json.load(f))
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_model(cfg).to(device)
    logger.info("params: %d", sum(p.numel() for p in model.parameters()))
    fit(model, cfg, device)
    torch.save(model.state_dict(), "resmlp.pt")


if __name__ == "__main__":
    main()
