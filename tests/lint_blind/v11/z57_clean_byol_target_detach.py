# expect: clean
# style: self-supervised BYOL-style trainer; target network output detached, EMA update, metrics via .item()/.numpy()
# note: target projections are detached and metrics go through .cpu().numpy(), but the online branch keeps its graph, so the loss reaches the trained (online) network
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Linear(h, o))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                  nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.conv(x)


def augment(x):
    if torch.rand(1).item() < 0.5:
        x = x.flip(-1)
    return x + 0.1 * torch.randn_like(x)


def byol_loss(p, z):
    return 2 - 2 * F.cosine_similarity(p, z, dim=-1).mean()


class BYOL(nn.Module):
    def __init__(self, tau=0.996):
        super().__init__()
        self.online = nn.Sequential(Encoder(), mlp(64, 256, 64))
        self.predictor = mlp(64, 256, 64)
        self.target = copy.deepcopy(self.online)
        for p in self.target.parameters():
            p.requires_grad_(False)
        self.tau = tau

    def forward(self, v1, v2):
        p1, p2 = self.predictor(self.online(v1)), self.predictor(self.online(v2))
        with torch.no_grad():
            z1, z2 = self.target(v1), self.target(v2)
        return byol_loss(p1, z2.detach()) + byol_loss(p2, z1.detach()), p1

    @torch.no_grad()
    def update_target(self):
        for po, pt in zip(self.online.parameters(), self.target.parameters()):
            pt.mul_(self.tau).add_(po.detach(), alpha=1 - self.tau)


def main(epochs=5):
    model = BYOL()
    params = list(model.online.parameters()) + list(model.predictor.parameters())
    opt = torch.optim.Adam(params, lr=3e-4)
    loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32)), batch_size=128, shuffle=True, drop_last=True)
    for ep in range(epochs):
        model.train()
        losses, stds = [], []
        for (x,) in loader:
            loss, p1 = model(augment(x), augment(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.update_target()
            losses.append(loss.item())
            stds.append(F.normalize(p1.detach(), dim=-1).std(0).mean().cpu().numpy())
        print(f"epoch {ep} loss {np.mean(losses):.4f} repr-std {np.mean(stds):.4f}")


if __name__ == "__main__":
    main()
