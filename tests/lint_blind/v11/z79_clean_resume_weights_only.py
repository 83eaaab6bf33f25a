# expect: clean
# style: research train script with --resume and --init-from; loading done through a small utility
# note: checkpoint paths come from the command line, but every torch.load passes weights_only=True (optimizer state and plain ints/floats load fine under it)
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resume", default=None)
    ap.add_argument("--init-from", default=None)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--ckpt-dir", default="checkpoints")
    return ap.parse_args()


def safe_load(path):
    return torch.load(path, map_location="cpu", weights_only=True)


class ECGNet(nn.Module):
    def __init__(self, n_cls=4):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv1d(1, 16, 15, padding=7), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
                                  nn.Conv1d(16, 32, 9, padding=4), nn.BatchNorm1d(32), nn.ReLU(), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(32, n_cls)

    def forward(self, x):
        return self.fc(self.conv(x).flatten(1))


def main():
    args = parse()
    model = ECGNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start = 0
    if args.init_from:
        missing = model.load_state_dict(safe_load(args.init_from), strict=False)
        print("init:", missing)
    if args.resume:
        state = safe_load(args.resume)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        start = state["epoch"] + 1
    loader = DataLoader(TensorDataset(torch.randn(1600, 1, 1000), torch.randint(0, 4, (1600,))), batch_size=32, shuffle=True)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    for ep in range(start, args.epochs):
        model.train()
        tot = 0.0
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {ep} loss {tot/len(loader):.4f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": ep},
                   os.path.join(args.ckpt_dir, "last.pt"))


if __name__ == "__main__":
    main()
