# expect: clean
# style: metric-learning (ArcFace-style) face-embedding model with learnable scale and fixed buffers
# note: plain tensors are created in __init__ (TVL005 look-alike), but the learnable ones are nn.Parameter and the fixed ones (class-center EMA, margin tables) are register_buffer; nothing meant to be learned is a bare attribute
import argparse
import logging
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("arcface")


class ArcMarginHead(nn.Module):
    def __init__(self, d, n_classes, margin=0.5, init_scale=30.0, learn_scale=True):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(n_classes, d))
        nn.init.xavier_uniform_(self.weight)
        if learn_scale:
            self.log_scale = nn.Parameter(torch.tensor(math.log(init_scale)))
        else:
            self.register_buffer("log_scale", torch.tensor(math.log(init_scale)))
        self.register_buffer("cos_m", torch.tensor(math.cos(margin)))
        self.register_buffer("sin_m", torch.tensor(math.sin(margin)))
        self.register_buffer("center_ema", torch.zeros(n_classes, d))

    def forward(self, emb, labels=None):
        cos = F.linear(F.normalize(emb), F.normalize(self.weight)).clamp(-1 + 1e-7, 1 - 1e-7)
        if labels is None:
            return cos * self.log_scale.exp()
        sin = (1 - cos.pow(2)).sqrt()
        phi = cos * self.cos_m - sin * self.sin_m
        onehot = F.one_hot(labels, cos.size(1)).bool()
        logits = torch.where(onehot, phi, cos)
        with torch.no_grad():
            self.center_ema.index_add_(0, labels, 0.01 * (F.normalize(emb) - self.center_ema[labels]))
        return logits * self.log_scale.exp()


class Embedder(nn.Module):
    def __init__(self, d=128):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.PReLU(32),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.PReLU(64),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.PReLU(128),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, d), nn.BatchNorm1d(d),
        )

    def forward(self, x):
        return self.net(x)


class FaceModel(nn.Module):
    def __init__(self, n_ids, d=128):
        super().__init__()
        self.embedder = Embedder(d)
        self.head = ArcMarginHead(d, n_ids)

    def forward(self, x, labels=None):
        return self.head(self.embedder(x), labels)


@torch.no_grad()
def verification_acc(model, x, device, n_pairs=2000):
    model.eval()
    e = F.normalize(model.embedder(x.to(device)))
    half = n_pairs // 2
    same = (e[:half] * e[:half]).sum(1)
    diff = (e[:half] * e[half:2 * half]).sum(1)
    model.train()
    return 0.5 * ((same > 0.5).float().mean() + (diff < 0.5).float().mean()).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ids", type=int, default=500)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(20000, 3, 64, 64)
    y = torch.randint(0, args.ids, (20000,))
    loader = DataLoader(TensorDataset(x, y), batch_size=128, shuffle=True, drop_last=True, num_workers=4)
    model = FaceModel(args.ids).to(device)
    log.info("trainable tensors: %s", [n for n, _ in model.named_parameters() if "head" in n])
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[10, 16], gamma=0.1)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb, yb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        acc = verification_acc(model, x[:2000], device)
        log.info("epoch %d loss %.4f scale %.2f verif %.4f", epoch, tot / len(loader),
                 model.head.log_scale.exp().item(), acc)
    torch.save(model.state_dict(), "arcface_lite.pt")


if __name__ == "__main__":
    main()
