# expect: clean
# style: research repo train.py with --resume and --init-from flags, point-cloud classification (PointNet)
# note: both checkpoint paths come from argparse, which looks like TVL014, but every torch.load passes weights_only=True (the checkpoint stores only tensors, ints and plain dicts).
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("pointnet")


class PointNet(nn.Module):
    def __init__(self, k=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 1024, 1), nn.BatchNorm1d(1024), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.4),
                                nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, k))

    def forward(self, pts):
        return self.fc(self.mlp1(pts.transpose(1, 2)).amax(-1))


def load_state(path):
    return torch.load(path, map_location="cpu", weights_only=True)


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--resume", default="")
    ap.add_argument("--init-from", default="")
    ap.add_argument("--out", default="ckpt")
    return ap.parse_args()


def main():
    args = parse()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    pts = torch.randn(2000, 1024, 3)
    lbl = torch.randint(0, 40, (2000,))
    loader = DataLoader(TensorDataset(pts, lbl), batch_size=32, shuffle=True, drop_last=True)
    model = PointNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.7)
    start = 0
    if args.init_from:
        sd = load_state(args.init_from)
        model.load_state_dict(sd, strict=False)
        log.info("initialised from %s", args.init_from)
    if args.resume:
        ck = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        sched.load_state_dict(ck["sched"])
        start = ck["epoch"] + 1
    model.train()
    for epoch in range(start, args.epochs):
        tot = 0.0
        for p, y in loader:
            p = p + 0.01 * torch.randn_like(p)
            loss = F.cross_entropy(model(p), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        log.info("epoch %d loss %.4f", epoch, tot / len(loader))
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(), "epoch": epoch},
                   os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
