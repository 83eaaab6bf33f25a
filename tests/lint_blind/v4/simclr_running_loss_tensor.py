# expect: TVL012
# style: SimCLR reproduction script (NT-Xent, two augmented views, tqdm)
# bug: `epoch_loss += loss` accumulates the loss tensor itself, keeping every iteration's autograd graph alive until the epoch ends
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def augment(x):
    flip = torch.rand(x.size(0), 1, 1, 1) < 0.5
    x = torch.where(flip, x.flip(-1), x)
    return x + 0.1 * torch.randn_like(x)


class SimCLR(nn.Module):
    def __init__(self, feat_dim=128):
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                     nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                                     nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.projector = nn.Sequential(nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, feat_dim))

    def forward(self, x):
        return self.projector(self.encoder(x))


def nt_xent(z1, z2, temperature):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / temperature
    n = z1.size(0)
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, targets)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch_size", type=int, default=256)
    parser.add_argument("--temperature", type=float, default=0.5)
    args = parser.parse_args()
    model = SimCLR()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4, weight_decay=1e-6)
    loader = DataLoader(TensorDataset(torch.rand(2048, 3, 32, 32)), batch_size=args.batch_size,
                        shuffle=True, drop_last=True)
    for epoch in range(1, args.epochs + 1):
        model.train()
        epoch_loss, n_batches = 0.0, 0
        for (imgs,) in tqdm(loader, desc=f"Epoch {epoch}"):
            loss = nt_xent(model(augment(imgs)), model(augment(imgs)), args.temperature)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            epoch_loss += loss
            n_batches += 1
        print(f"Epoch {epoch}: NT-Xent {epoch_loss / n_batches:.4f}")


if __name__ == "__main__":
    main()
