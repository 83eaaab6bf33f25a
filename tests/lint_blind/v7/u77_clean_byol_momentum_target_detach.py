# expect: clean
# style: BYOL self-supervised pretraining with an EMA target network updated by a helper, research script
# note: target projections are computed under no_grad and .detach()ed, which looks like TVL001/TVL002, but the online network and predictor (the trained model) produce the other side of the loss with grad, and only they are in the optimizer; the target network is an EMA copy with requires_grad False.
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("byol")


def mlp(d_in, hidden=512, d_out=128):
    return nn.Sequential(nn.Linear(d_in, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, d_out))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.proj = mlp(128)

    def forward(self, x):
        return self.proj(self.conv(x))


def augment(x):
    x = x * (0.8 + 0.4 * torch.rand(x.size(0), 3, 1, 1))
    flip = torch.rand(x.size(0)) < 0.5
    x[flip] = x[flip].flip(-1)
    return x + 0.05 * torch.randn_like(x)


@torch.no_grad()
def ema_update(target, online, tau):
    for pt, po in zip(target.parameters(), online.parameters()):
        pt.mul_(tau).add_(po, alpha=1 - tau)


def regression_loss(p, z):
    return 2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--tau", type=float, default=0.99)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.rand(4096, 3, 32, 32)), batch_size=256, shuffle=True, drop_last=True)
    online = Encoder()
    predictor = mlp(128, 512, 128)
    target = copy.deepcopy(online)
    for p in target.parameters():
        p.requires_grad_(False)
    opt = torch.optim.Adam(list(online.parameters()) + list(predictor.parameters()), lr=3e-4)
    online.train()
    predictor.train()
    target.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for (x,) in loader:
            v1, v2 = augment(x.clone()), augment(x.clone())
            p1, p2 = predictor(online(v1)), predictor(online(v2))
            with torch.no_grad():
                z1, z2 = target(v1), target(v2)
            loss = regression_loss(p1, z2) + regression_loss(p2, z1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            ema_update(target, online, args.tau)
            tot += loss.item()
        log.info("epoch %d byol loss %.4f", epoch, tot / len(loader))
    torch.save(online.conv.state_dict(), "byol_encoder.pt")


if __name__ == "__main__":
    main()
