# expect: clean
# style: multi-dataset detection-free "attribute" model; heads built by a factory from a config dict into nn.ModuleDict
# note: heads are produced by a factory from a dict of specs and a Python list of names is kept on the model (TVL005 look-alike), but the modules themselves live in nn.ModuleDict / nn.ModuleList, so they are registered and optimised
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("attrs")

HEAD_SPECS = {
    "color": {"classes": 11, "hidden": 128},
    "pattern": {"classes": 6, "hidden": 64},
    "sleeve": {"classes": 4, "hidden": 64},
}


def make_head(d_in, spec):
    return nn.Sequential(nn.Linear(d_in, spec["hidden"]), nn.ReLU(), nn.Dropout(0.2), nn.Linear(spec["hidden"], spec["classes"]))


def build_heads(d_in, specs):
    return nn.ModuleDict({name: make_head(d_in, spec) for name, spec in specs.items()})


class AttributeNet(nn.Module):
    def __init__(self, specs, width=64):
        super().__init__()
        self.head_names = list(specs)
        self.stages = nn.ModuleList([
            nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU()),
            nn.Sequential(nn.Conv2d(width, 2 * width, 3, 2, 1), nn.BatchNorm2d(2 * width), nn.ReLU()),
            nn.Sequential(nn.Conv2d(2 * width, 4 * width, 3, 2, 1), nn.BatchNorm2d(4 * width), nn.ReLU()),
        ])
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.heads = build_heads(4 * width, specs)

    def forward(self, x):
        for s in self.stages:
            x = s(x)
        f = self.pool(x).flatten(1)
        return {name: self.heads[name](f) for name in self.head_names}


def make_split(n, seed):
    rng = np.random.default_rng(seed)
    x = torch.randn(n, 3, 64, 64)
    ys = [torch.from_numpy(rng.integers(0, HEAD_SPECS[k]["classes"], n)) for k in HEAD_SPECS]
    return TensorDataset(x, *ys)


def evaluate(model, loader, device):
    model.eval()
    correct = {k: 0 for k in HEAD_SPECS}
    n = 0
    with torch.no_grad():
        for x, *ys in loader:
            out = model(x.to(device))
            for k, y in zip(model.head_names, ys):
                correct[k] += (out[k].argmax(1).cpu() == y).sum().item()
            n += x.size(0)
    model.train()
    return {k: v / n for k, v in correct.items()}


def describe(model):
    for name, head in model.heads.items():
        n = sum(p.numel() for p in head.parameters())
        log.info("head %-8s -> %3d classes, %6d params", name, head[-1].out_features, n)
    n_opt = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("parameters visible to the optimizer: %d", n_opt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--out", default="attr_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(make_split(12000, 0), batch_size=64, shuffle=True, num_workers=4)
    val_dl = DataLoader(make_split(1500, 1), batch_size=256)
    model = AttributeNet(HEAD_SPECS).to(device)
    describe(model)
    n_head = sum(p.numel() for p in model.heads.parameters())
    log.info("params total %d (heads %d)", sum(p.numel() for p in model.parameters()), n_head)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, *ys in train_dl:
            x = x.to(device)
            out = model(x)
            loss = sum(F.cross_entropy(out[k], y.to(device)) for k, y in zip(model.head_names, ys))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        accs = evaluate(model, val_dl, device)
        log.info("epoch %d loss %.4f %s", epoch, tot / len(train_dl), {k: round(v, 3) for k, v in accs.items()})
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "attr.pt"))


if __name__ == "__main__":
    main()
