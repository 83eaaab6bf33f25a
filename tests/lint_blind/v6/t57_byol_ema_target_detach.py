# expect: clean
# style: self-supervised (BYOL-style) research code with an EMA target network, tabular/time-series augmentations
# note: target projections are .detach()-ed and the EMA update writes through .data under no_grad, but the online network + predictor still receive the loss gradient; the target is frozen and deliberately outside the optimizer.
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(d_in, d_hidden, d_out):
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.BatchNorm1d(d_hidden), nn.ReLU(), nn.Linear(d_hidden, d_out))


class Encoder(nn.Module):
    def __init__(self, channels=6, dim=128):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(channels, 64, 5, padding=2), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, dim, 5, padding=2), nn.BatchNorm1d(dim), nn.ReLU(),
        )

    def forward(self, x):
        return self.conv(x).mean(-1)


class BYOL(nn.Module):
    def __init__(self, dim=128, proj=64, tau=0.99):
        super().__init__()
        self.online = nn.Sequential(Encoder(dim=dim), mlp(dim, 256, proj))
        self.predictor = mlp(proj, 256, proj)
        self.target = copy.deepcopy(self.online)
        self.target.requires_grad_(False)
        self.tau = tau

    @torch.no_grad()
    def update_target(self):
        for po, pt in zip(self.online.parameters(), self.target.parameters()):
            pt.data.mul_(self.tau).add_(po.data, alpha=1 - self.tau)

    def loss(self, v1, v2):
        p1 = self.predictor(self.online(v1))
        p2 = self.predictor(self.online(v2))
        with torch.no_grad():
            z1 = self.target(v1)
            z2 = self.target(v2)
        l = 2 - 2 * F.cosine_similarity(p1, z2.detach(), dim=-1)
        l = l + 2 - 2 * F.cosine_similarity(p2, z1.detach(), dim=-1)
        return l.mean()


def augment(x):
    scale = 1 + 0.1 * torch.randn(x.size(0), x.size(1), 1)
    jitter = 0.05 * torch.randn_like(x)
    shift = int(torch.randint(-8, 9, (1,)))
    return torch.roll(x * scale + jitter, shifts=shift, dims=-1)


if __name__ == "__main__":
    windows = torch.randn(8000, 6, 128)  # accelerometer + gyroscope windows
    loader = DataLoader(TensorDataset(windows), batch_size=256, shuffle=True, drop_last=True)
    model = BYOL()
    opt = torch.optim.AdamW(list(model.online.parameters()) + list(model.predictor.parameters()), lr=1e-3)
    for epoch in range(20):
        model.train()
        total = 0.0
        for (x,) in loader:
            loss = model.loss(augment(x), augment(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            model.update_target()
            total += loss.item()
        print(f"epoch {epoch} byol loss {total / len(loader):.4f}")
