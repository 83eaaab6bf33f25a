# expect: TVL009
# style: research repo for molecular property regression (Dataset returns scalar targets, model/head classes split)
# bug: PropertyHead ends in Linear(hidden, 1) -> (B, 1); the dataset yields scalar targets -> (B,); F.l1_loss broadcasts to (B, B)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class MoleculeDataset(Dataset):
    def __init__(self, n, n_atoms=16, feat_dim=32):
        self.x = torch.randn(n, n_atoms, feat_dim)
        self.y = self.x.mean(dim=(1, 2)) * 3.0 + 0.05 * torch.randn(n)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class AtomEncoder(nn.Module):
    def __init__(self, feat_dim, hidden):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(feat_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden))

    def forward(self, atoms):
        return self.mlp(atoms).sum(dim=1)


class PropertyHead(nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.out = nn.Sequential(nn.Linear(hidden, hidden // 2), nn.SiLU(), nn.Linear(hidden // 2, 1))

    def forward(self, h):
        return self.out(h)


class PropertyModel(nn.Module):
    def __init__(self, feat_dim=32, hidden=128):
        super().__init__()
        self.encoder = AtomEncoder(feat_dim, hidden)
        self.head = PropertyHead(hidden)

    def forward(self, atoms):
        return self.head(self.encoder(atoms))


def train(args):
    loader = DataLoader(MoleculeDataset(4096), batch_size=args.batch_size, shuffle=True)
    model = PropertyModel()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        mae_sum = 0.0
        for atoms, target in loader:
            optimizer.zero_grad()
            pred = model(atoms)
            loss = F.l1_loss(pred, target)
            loss.backward()
            optimizer.step()
            mae_sum += loss.item() * len(target)
        print(f"epoch {epoch}: train MAE {mae_sum / len(loader.dataset):.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--epochs", type=int, default=30)
    train(parser.parse_args())
