# expect: clean
# style: BYOL self-supervised learning with an EMA target network and stop-gradient (vision)
# note: the target branch is computed under no_grad and .detach() is used in the loss, which looks like TVL001/TVL002, but only the EMA target is cut off; the online encoder+predictor path to the loss is intact and is what the optimizer trains.
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("byol")


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, o))


class Encoder(nn.Module):
    def __init__(self, dim=128):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.projector = mlp(64, 256, dim)

    def forward(self, x):
        return self.projector(self.conv(x))


def augment(x):
    flip = torch.rand(x.size(0), 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(-1), x)
    return x * (0.8 + 0.4 * torch.rand(x.size(0), 3, 1, 1)) + 0.05 * torch.randn_like(x)


def regression_loss(p, z):
    return 2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1).mean()


class BYOL(nn.Module):
    def __init__(self, dim=128, tau=0.996):
        super().__init__()
        self.online = Encoder(dim)
        self.predictor = mlp(dim, 256, dim)
        self.target = copy.deepcopy(self.online)
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.tau = tau

    def forward(self, x1, x2):
        p1, p2 = self.predictor(self.online(x1)), self.predictor(self.online(x2))
        with torch.no_grad():
            z1, z2 = self.target(x1), self.target(x2)
        return regression_loss(p1, z2) + regression_loss(p2, z1)

    @torch.no_grad()
    def update_target(self):
        for t, o in zip(self.target.parameters(), self.online.parameters()):
            t.mul_(self.tau).add_(o.detach(), alpha=1 - self.tau)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    loader = DataLoader(TensorDataset(torch.rand(4096, 3, 32, 32)), batch_size=128, shuffle=True, drop_last=True)
    model = BYOL()
    params = list(model.online.parameters()) + list(model.predictor.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for (x,) in loader:
            loss = model(augment(x), augment(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.update_target()
            tot += loss.item()
        log.info("epoch %d byol_loss %.4f", epoch, tot / len(loader))
    torch.save(model.online.state_dict(), "byol_online.pt")


if __name__ == "__main__":
    main()
