# expect: TVL015
# style: PyTorch Geometric graph-classification example (GIN on TU datasets), dense batching written by hand
# bug: the training DataLoader is built without shuffle=True or a sampler, and the dataset is sorted by class, so every epoch sees the same class-ordered batches
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class SortedGraphs(Dataset):
    """Graphs stored class by class, as many TU dumps are."""

    def __init__(self, n=1000, nodes=20, feats=7):
        self.y = torch.arange(n) * 2 // n
        self.x = torch.randn(n, nodes, feats)
        adj = (torch.rand(n, nodes, nodes) < 0.15).float()
        self.adj = ((adj + adj.transpose(1, 2)) > 0).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.adj[i], self.y[i]


class GINLayer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(d_in, d_out), nn.BatchNorm1d(d_out), nn.ReLU(), nn.Linear(d_out, d_out))

    def forward(self, x, adj):
        h = (1 + self.eps) * x + adj @ x
        B, N, D = h.shape
        return self.mlp(h.reshape(B * N, D)).reshape(B, N, -1)


class GIN(nn.Module):
    def __init__(self, d_in=7, hidden=64, layers=3, n_cls=2):
        super().__init__()
        dims = [d_in] + [hidden] * layers
        self.convs = nn.ModuleList(GINLayer(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.lin = nn.Linear(hidden, n_cls)

    def forward(self, x, adj):
        for conv in self.convs:
            x = F.relu(conv(x, adj))
        return self.lin(x.sum(1))


def train(model, loader, optimizer):
    model.train()
    total_loss = 0.0
    for x, adj, y in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x, adj), y)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * y.size(0)
    return total_loss / len(loader.dataset)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch_size", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    dataset = SortedGraphs()
    train_loader = DataLoader(dataset, batch_size=args.batch_size)
    model = GIN()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, args.epochs + 1):
        print(f"Epoch: {epoch:03d}, Loss: {train(model, train_loader, optimizer):.4f}")
