# expect: TVL005
# style: DGL-style GCN with configurable depth (graph classification, dense adjacency stand-in)
# bug: hidden GCN layers are kept in a plain Python list, so they are not registered and never reach the optimizer
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class GraphDataset(Dataset):
    def __init__(self, n_graphs=300, n_nodes=20, feat=16):
        self.feats = torch.randn(n_graphs, n_nodes, feat)
        self.adjs = (torch.rand(n_graphs, n_nodes, n_nodes) < 0.2).float()
        self.labels = torch.randint(0, 2, (n_graphs,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.feats[i], self.adjs[i], self.labels[i]


class GraphConv(nn.Module):
    def __init__(self, in_feats, out_feats):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(in_feats, out_feats))
        nn.init.xavier_uniform_(self.weight)

    def forward(self, adj, h):
        deg = adj.sum(-1, keepdim=True).clamp(min=1)
        return (adj @ h) / deg @ self.weight


class GCN(nn.Module):
    def __init__(self, in_feats, h_feats, num_classes, num_layers=3):
        super().__init__()
        self.layers = [GraphConv(in_feats, h_feats)]
        for _ in range(num_layers - 1):
            self.layers.append(GraphConv(h_feats, h_feats))
        self.classify = nn.Linear(h_feats, num_classes)

    def forward(self, adj, h):
        for layer in self.layers:
            h = F.relu(layer(adj, h))
        return self.classify(h.mean(1))


def main():
    parser = argparse.ArgumentParser(description="GCN graph classification")
    parser.add_argument("--num-layers", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=32)
    parser.add_argument("--epochs", type=int, default=50)
    args = parser.parse_args()
    dataset = GraphDataset()
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    model = GCN(16, args.hidden, 2, args.num_layers)
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(args.epochs):
        model.train()
        epoch_loss = 0.0
        for feats, adj, labels in loader:
            logits = model(adj, feats)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            epoch_loss += loss.detach().item()
        print(f"Epoch {epoch:05d} | Loss {epoch_loss / len(loader):.4f}")


if __name__ == "__main__":
    main()
