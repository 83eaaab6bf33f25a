# expect: clean
# style: BYOL (lucidrains-style: online network with projector + predictor, EMA target created by deepcopy, loss_fn = 2 - 2cos)
# note: the optimizer covers every trainable part (encoder, projector, predictor); the target copy is frozen and only used under no_grad
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(dim, hidden, out):
    return nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(inplace=True), nn.Linear(hidden, out))


class EMA:
    def __init__(self, beta):
        self.beta = beta

    def update_average(self, old, new):
        return old * self.beta + (1 - self.beta) * new


class BYOL(nn.Module):
    def __init__(self, feat=256, proj=128, beta=0.99):
        super().__init__()
        self.online = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, feat), nn.ReLU(), mlp(feat, 512, proj))
        self.predictor = mlp(proj, 512, proj)
        self.target = copy.deepcopy(self.online)
        self.target.requires_grad_(False)
        self.ema = EMA(beta)

    @torch.no_grad()
    def update_moving_average(self):
        for t, o in zip(self.target.parameters(), self.online.parameters()):
            t.data = self.ema.update_average(t.data, o.data)

    def forward(self, x1, x2):
        p1, p2 = self.predictor(self.online(x1)), self.predictor(self.online(x2))
        with torch.no_grad():
            z1, z2 = self.target(x1), self.target(x2)
        loss = lambda p, z: 2 - 2 * (F.normalize(p, dim=-1) * F.normalize(z, dim=-1)).sum(-1)
        return (loss(p1, z2) + loss(p2, z1)).mean()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    learner = BYOL()
    opt = torch.optim.Adam([p for p in learner.parameters() if p.requires_grad], lr=args.lr)
    loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32)), batch_size=128, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        learner.train()
        for (images,) in loader:
            loss = learner(images + 0.1 * torch.randn_like(images), images.flip(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            learner.update_moving_average()
        print(f"epoch {epoch}: loss {loss.item():.4f}")
