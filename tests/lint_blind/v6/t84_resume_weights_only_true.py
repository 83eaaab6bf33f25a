# expect: clean
# style: research repo train.py with --resume/--init flags and a checkpoint utility, point-cloud classification (PointNet-like)
# note: torch.load is called on paths straight from argparse, but every call passes weights_only=True (the checkpoint holds only tensors and plain containers).
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class PointNet(nn.Module):
    def __init__(self, n_classes=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.fc = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                nn.Linear(256, n_classes))

    def forward(self, pts):
        return self.fc(self.mlp1(pts.transpose(1, 2)).max(dim=2).values)


def load_state(path, model, optimizer=None):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    if optimizer is not None and "optimizer" in state:
        optimizer.load_state_dict(state["optimizer"])
    return int(state.get("epoch", -1)) + 1


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--resume", default="")
    p.add_argument("--init", default="", help="weights to start from (ignored when resuming)")
    p.add_argument("--ckpt-dir", default="ckpt_pointnet")
    return p.parse_args()


def main():
    args = parse()
    model = PointNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.5)
    start = 0
    if args.resume:
        start = load_state(args.resume, model, opt)
    elif args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu", weights_only=True)["model"])

    pts = torch.randn(2000, 1024, 3)
    labels = torch.randint(0, 40, (2000,))
    loader = DataLoader(TensorDataset(pts, labels), batch_size=32, shuffle=True, drop_last=True)
    os.makedirs(args.ckpt_dir, exist_ok=True)
    for epoch in range(start, args.epochs):
        model.train()
        for p, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(p), y)
            loss.backward()
            opt.step()
        sched.step()
        torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch},
                   os.path.join(args.ckpt_dir, "last.pt"))
        print(f"epoch {epoch} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
