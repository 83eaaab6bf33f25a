# expect: TVL004
# style: DGL/PyG full-graph node classification example (GCN on a Cora-like graph)
# bug: the epoch loop calls model.eval() for the validation accuracy but model.train() only appears before the loop, so dropout is off from epoch 2 on
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def normalized_adj(n, n_edges=2000):
    src, dst = torch.randint(0, n, (n_edges,)), torch.randint(0, n, (n_edges,))
    A = torch.zeros(n, n)
    A[src, dst] = 1.0
    A = ((A + A.t()) > 0).float() + torch.eye(n)
    d = A.sum(1).pow(-0.5)
    return d[:, None] * A * d[None, :]


class GCN(nn.Module):
    def __init__(self, in_feats, hidden, n_classes, dropout=0.5):
        super().__init__()
        self.l1 = nn.Linear(in_feats, hidden)
        self.l2 = nn.Linear(hidden, n_classes)
        self.dropout = nn.Dropout(dropout)

    def forward(self, adj, feat):
        h = F.relu(adj @ self.l1(self.dropout(feat)))
        return adj @ self.l2(self.dropout(h))


def accuracy(logits, labels, mask):
    return (logits[mask].argmax(1) == labels[mask]).float().mean().item()


def main(args):
    n = 2708
    adj = normalized_adj(n)
    feat = torch.randn(n, 1433)
    labels = torch.randint(0, 7, (n,))
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[:140] = True
    val_mask = torch.zeros(n, dtype=torch.bool)
    val_mask[200:700] = True

    model = GCN(1433, args.hidden, 7, args.dropout)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=5e-4)
    model.train()
    for epoch in range(args.n_epochs):
        logits = model(adj, feat)
        loss = F.cross_entropy(logits[train_mask], labels[train_mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        model.eval()
        with torch.no_grad():
            val_acc = accuracy(model(adj, feat), labels, val_mask)
        print(f"Epoch {epoch:05d} | Loss {loss.item():.4f} | Val Acc {val_acc:.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="GCN")
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--n-epochs", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=16)
    main(parser.parse_args())
