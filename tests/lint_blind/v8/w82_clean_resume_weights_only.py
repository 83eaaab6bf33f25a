# expect: clean
# style: research train.py with --resume and --init-from flags and an env-var override, image retrieval with ArcFace head
# note: checkpoints from command-line and environment paths are passed to torch.load (looks like TVL014), but every call uses weights_only=True; the resume checkpoint stores only tensors and primitive metadata
import argparse
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ArcMarginHead(nn.Module):
    def __init__(self, d, n_classes, s=30.0, m=0.5):
        super().__init__()
        self.weight = nn.Parameter(torch.randn(n_classes, d) * 0.01)
        self.s, self.m = s, m

    def forward(self, emb, labels=None):
        cos = F.linear(F.normalize(emb), F.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        if labels is None:
            return cos * self.s
        theta = torch.acos(cos)
        target = torch.cos(theta + self.m)
        onehot = F.one_hot(labels, cos.size(1)).bool()
        return torch.where(onehot, target, cos) * self.s


class Embedder(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Sequential(nn.Linear(256, d), nn.BatchNorm1d(d))

    def forward(self, x):
        return self.fc(self.cnn(x))


def parse():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--resume", default="")
    ap.add_argument("--init-from", default=os.environ.get("INIT_EMBEDDER", ""))
    ap.add_argument("--out", default="ckpt_arcface")
    return ap.parse_args()


def main():
    args = parse()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(6000, 3, 64, 64)
    y = torch.randint(0, 500, (6000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True, drop_last=True)

    embedder, head = Embedder().to(device), ArcMarginHead(256, 500).to(device)
    params = list(embedder.parameters()) + list(head.parameters())
    opt = torch.optim.SGD(params, lr=args.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[10, 20, 25], gamma=0.1)

    if args.init_from:
        state = torch.load(args.init_from, map_location="cpu", weights_only=True)
        missing, unexpected = embedder.load_state_dict(state, strict=False)
        print(f"initialised embedder from {args.init_from}: missing={len(missing)} unexpected={len(unexpected)}")

    start_epoch = 0
    if args.resume and os.path.isfile(args.resume):
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        embedder.load_state_dict(ckpt["embedder"])
        head.load_state_dict(ckpt["head"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        start_epoch = int(ckpt["epoch"]) + 1
        print(f"resumed at epoch {start_epoch}")

    for epoch in range(start_epoch, args.epochs):
        embedder.train()
        head.train()
        tot, hit, n = 0.0, 0, 0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            logits = head(embedder(xb), yb)
            loss = F.cross_entropy(logits, yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
            hit += (logits.argmax(1) == yb).sum().item()
            n += yb.numel()
        sched.step()
        print(f"epoch {epoch} loss {tot / len(loader):.4f} train_acc(margin) {hit / n:.4f} lr {sched.get_last_lr()[0]:.1e} "
              f"log-loss-floor {math.log(500):.2f}")
        torch.save({"embedder": embedder.state_dict(), "head": head.state_dict(), "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "epoch": epoch}, os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
