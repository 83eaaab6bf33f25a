# expect: TVL015
# style: DGL/OGB graph-property-prediction script with a build_dataloaders() factory (molecules grouped by scaffold)
# bug: build_dataloaders() returns a training DataLoader without shuffle=True or a sampler (dataset is ordered by scaffold)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class MoleculeDataset(Dataset):
    """Stand-in for a scaffold-sorted molecular dataset (padded dense graphs)."""

    def __init__(self, n=1200, max_atoms=24, atom_feats=9):
        self.x = torch.randn(n, max_atoms, atom_feats)
        self.adj = (torch.rand(n, max_atoms, max_atoms) < 0.15).float()
        self.y = torch.randint(0, 2, (n,)).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.adj[i], self.y[i]


class GIN(nn.Module):
    def __init__(self, in_dim=9, hid=64, layers=3):
        super().__init__()
        dims = [in_dim] + [hid] * layers
        self.mlps = nn.ModuleList([nn.Sequential(nn.Linear(a, b), nn.ReLU(), nn.Linear(b, b)) for a, b in zip(dims, dims[1:])])
        self.eps = nn.Parameter(torch.zeros(layers))
        self.readout = nn.Linear(hid, 1)

    def forward(self, x, adj):
        for i, mlp in enumerate(self.mlps):
            x = F.relu(mlp((1 + self.eps[i]) * x + adj @ x))
        return self.readout(x.sum(1)).squeeze(-1)


def build_dataloaders(dataset, batch_size, split=0.8):
    n_train = int(len(dataset) * split)
    train_set = torch.utils.data.Subset(dataset, range(n_train))
    valid_set = torch.utils.data.Subset(dataset, range(n_train, len(dataset)))
    train_loader = DataLoader(train_set, batch_size=batch_size, num_workers=2)
    valid_loader = DataLoader(valid_set, batch_size=batch_size, shuffle=False)
    return train_loader, valid_loader


def main():
    parser = argparse.ArgumentParser(description="GIN on molhiv-like data")
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    train_loader, valid_loader = build_dataloaders(MoleculeDataset(), args.batch_size)
    model = GIN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        for x, adj, y in train_loader:
            loss = F.binary_cross_entropy_with_logits(model(x, adj), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            correct = sum(((model(x, a) > 0).float() == y).sum().item() for x, a, y in valid_loader)
        print(f"epoch {epoch} train loss {loss.item():.4f} valid acc {correct / len(valid_loader.dataset):.4f}")


if __name__ == "__main__":
    main()
