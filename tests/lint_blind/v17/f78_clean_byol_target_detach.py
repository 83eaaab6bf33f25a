# expect: clean
# style: self-supervised BYOL with online/target networks, EMA update via .data, research repo style
# note: the target network's projections are computed under no_grad and .detach()ed and the EMA writes through .data, but the online encoder/projector/predictor path to the loss is intact, so the trained model gets gradients.
import argparse
import copy
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def augment(x):
    if torch.rand(()) < 0.5:
        x = x.flip(-1)
    x = x + 0.1 * torch.randn_like(x)
    shift = int(torch.randint(-4, 5, ()))
    return torch.roll(x, shifts=shift, dims=-2)


def mlp(i, h, o):
    return nn.Sequential(nn.Linear(i, h), nn.BatchNorm1d(h), nn.ReLU(inplace=True), nn.Linear(h, o))


class Encoder(nn.Module):
    def __init__(self, d=256):
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                 nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                 nn.Conv2d(128, d, 3, 2, 1), nn.BatchNorm2d(d), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten())

    def forward(self, x):
        return self.net(x)


class BYOL(nn.Module):
    def __init__(self, d=256, proj=128, hidden=512):
        super().__init__()
        self.online_encoder = Encoder(d)
        self.online_projector = mlp(d, hidden, proj)
        self.predictor = mlp(proj, hidden, proj)
        self.target_encoder = copy.deepcopy(self.online_encoder)
        self.target_projector = copy.deepcopy(self.online_projector)
        for p in list(self.target_encoder.parameters()) + list(self.target_projector.parameters()):
            p.requires_grad = False

    @torch.no_grad()
    def update_target(self, tau):
        for o, t in zip(list(self.online_encoder.parameters()) + list(self.online_projector.parameters()),
                        list(self.target_encoder.parameters()) + list(self.target_projector.parameters())):
            t.data.mul_(tau).add_(o.data, alpha=1 - tau)

    def forward(self, v1, v2):
        p1 = self.predictor(self.online_projector(self.online_encoder(v1)))
        p2 = self.predictor(self.online_projector(self.online_encoder(v2)))
        with torch.no_grad():
            z1 = self.target_projector(self.target_encoder(v1))
            z2 = self.target_projector(self.target_encoder(v2))
        return byol_loss(p1, z2.detach()) + byol_loss(p2, z1.detach())


def byol_loss(p, z):
    return (2 - 2 * F.cosine_similarity(p, z, dim=-1)).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--base-tau", type=float, default=0.99)
    args = ap.parse_args()
    images = torch.rand(8000, 3, 32, 32)
    loader = DataLoader(TensorDataset(images), batch_size=256, shuffle=True, drop_last=True)
    model = BYOL()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=1e-6)
    total_steps, step = args.epochs * len(loader), 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for (x,) in loader:
            loss = model(augment(x), augment(x))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tau = 1 - (1 - args.base_tau) * (math.cos(math.pi * step / total_steps) + 1) / 2
            model.update_target(tau)
            tot += loss.item()
            step += 1
        print(f"epoch {epoch} byol_loss {tot / len(loader):.4f} tau {tau:.4f}")
    torch.save(model.online_encoder.state_dict(), "byol_encoder.pt")


if __name__ == "__main__":
    main()
