# expect: clean
# style: self-supervised BYOL-style training with an EMA target network (vision)
# note: the target branch is detached / computed under no_grad and updated by EMA, but the loss still flows through the online encoder and predictor.
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(d_in, d_hidden, d_out):
    return nn.Sequential(nn.Linear(d_in, d_hidden), nn.BatchNorm1d(d_hidden), nn.ReLU(inplace=True), nn.Linear(d_hidden, d_out))


class Encoder(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.projector = mlp(128, 512, d)

    def forward(self, x):
        return self.projector(self.conv(x))


def augment(x):
    if torch.rand(1) < 0.5:
        x = x.flip(-1)
    return x + 0.1 * torch.randn_like(x)


def regression_loss(p, z):
    return 2 - 2 * F.cosine_similarity(p, z.detach(), dim=-1).mean()


class BYOL(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.online = Encoder(d)
        self.predictor = mlp(d, 512, d)
        self.target = copy.deepcopy(self.online)
        for p in self.target.parameters():
            p.requires_grad_(False)

    @torch.no_grad()
    def update_target(self, tau):
        for po, pt in zip(self.online.parameters(), self.target.parameters()):
            pt.mul_(tau).add_(po.detach(), alpha=1 - tau)

    def forward(self, v1, v2):
        p1, p2 = self.predictor(self.online(v1)), self.predictor(self.online(v2))
        with torch.no_grad():
            z1, z2 = self.target(v1), self.target(v2)
        return regression_loss(p1, z2) + regression_loss(p2, z1)


def main(epochs=20, base_tau=0.996):
    model = BYOL()
    params = list(model.online.parameters()) + list(model.predictor.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-6)
    dl = DataLoader(TensorDataset(torch.randn(4096, 3, 32, 32)), batch_size=256, shuffle=True, drop_last=True)
    total_steps, step = epochs * len(dl), 0
    for epoch in range(epochs):
        model.train()
        model.target.eval()
        running = 0.0
        for (x,) in dl:
            loss = model(augment(x), augment(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tau = 1 - (1 - base_tau) * (math.cos(math.pi * step / total_steps) + 1) / 2
            model.update_target(tau)
            step += 1
            running += loss.item()
        print(f"epoch {epoch} byol loss {running / len(dl):.4f}")
    torch.save(model.online.state_dict(), "byol_online.pt")


if __name__ == "__main__":
    main()
