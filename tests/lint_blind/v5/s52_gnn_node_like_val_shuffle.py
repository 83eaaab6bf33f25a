# expect: TVL017
# style: molecule property classification with a hand-written message-passing GNN (PyG-free, dense adjacency), sklearn metrics at the end
# bug: the validation DataLoader has shuffle=True, and evaluate() compares the concatenated predictions against val_set.labels in dataset order
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, Dataset


class MolGraphs(Dataset):
    def __init__(self, n, max_atoms=24, n_feat=16, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.x = torch.randn(n, max_atoms, n_feat, generator=g)
        adj = (torch.rand(n, max_atoms, max_atoms, generator=g) > 0.85).float()
        self.adj = ((adj + adj.transpose(1, 2)) > 0).float()
        self.labels = (self.x[:, :, 0].mean(1) > 0).long()

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.x[i], self.adj[i], self.labels[i]


class GraphConv(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.self_lin, self.nbr_lin = nn.Linear(d_in, d_out), nn.Linear(d_in, d_out)

    def forward(self, x, adj):
        deg = adj.sum(-1, keepdim=True).clamp(min=1)
        return F.relu(self.self_lin(x) + self.nbr_lin(adj @ x / deg))


class GNN(nn.Module):
    def __init__(self, n_feat=16, hidden=64, n_layers=3, n_classes=2):
        super().__init__()
        dims = [n_feat] + [hidden] * n_layers
        self.convs = nn.ModuleList(GraphConv(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.readout = nn.Linear(hidden, n_classes)

    def forward(self, x, adj):
        for conv in self.convs:
            x = conv(x, adj)
        return self.readout(x.sum(1))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    preds = torch.cat([model(x, adj).argmax(-1) for x, adj, _ in loader])
    return f1_score(loader.dataset.labels.numpy(), preds.numpy(), average="macro")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch_size", type=int, default=64)
    args = ap.parse_args()
    train_set, val_set = MolGraphs(4000), MolGraphs(800, seed=1)
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=args.batch_size, shuffle=True)
    model = GNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=5e-4)
    for epoch in range(1, args.epochs + 1):
        model.train()
        total = 0.0
        for x, adj, y in train_loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x, adj), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * y.size(0)
        print(f"Epoch: {epoch:03d}, Loss: {total / len(train_set):.4f}, Val F1: {evaluate(model, val_loader):.4f}")
