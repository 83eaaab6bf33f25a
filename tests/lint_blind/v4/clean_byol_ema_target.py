# expect: clean
# style: BYOL implementation (online/target networks, EMA update under no_grad, symmetric loss)
# note: the target network is only run under no_grad and updated by EMA; gradients flow through the online network and predictor, which are the only parameters in the optimizer
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def mlp(dim, hidden=512, out=128):
    return nn.Sequential(nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Linear(hidden, out))


class BYOL(nn.Module):
    def __init__(self, tau=0.996):
        super().__init__()
        encoder = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.online = nn.Sequential(encoder, mlp(64))
        self.predictor = mlp(128)
        self.target = copy.deepcopy(self.online)
        for p in self.target.parameters():
            p.requires_grad = False
        self.tau = tau

    @torch.no_grad()
    def update_target(self):
        for po, pt in zip(self.online.parameters(), self.target.parameters()):
            pt.mul_(self.tau).add_(po.detach(), alpha=1 - self.tau)

    def loss(self, v1, v2):
        p1, p2 = self.predictor(self.online(v1)), self.predictor(self.online(v2))
        with torch.no_grad():
            z1, z2 = self.target(v1), self.target(v2)
        def regression(p, z):
            return 2 - 2 * F.cosine_similarity(p, z, dim=-1).mean()
        return regression(p1, z2) + regression(p2, z1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    byol = BYOL()
    trainable = list(byol.online.parameters()) + list(byol.predictor.parameters())
    optimizer = torch.optim.SGD(trainable, lr=0.2, momentum=0.9, weight_decay=1.5e-6)
    loader = DataLoader(TensorDataset(torch.rand(1024, 3, 32, 32)), batch_size=128, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        byol.train()
        for (x,) in loader:
            v1, v2 = x + 0.1 * torch.randn_like(x), x.flip(-1)
            loss = byol.loss(v1, v2)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            byol.update_target()
        print(f"epoch {epoch} loss {loss.item():.4f}")
