# expect: TVL003
# style: graph neural network, mini-batched subgraph training, research script
# bug: optimizer.zero_grad() is called once per epoch inside reset_epoch(), but step() runs every mini-batch, so gradients accumulate across all batches of the epoch
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F


def random_graph(n_nodes, n_feats, n_classes, p=0.01, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n_nodes, n_feats, generator=g)
    y = torch.randint(0, n_classes, (n_nodes,), generator=g)
    adj = (torch.rand(n_nodes, n_nodes, generator=g) < p).float()
    adj = ((adj + adj.t()) > 0).float() + torch.eye(n_nodes)
    deg = adj.sum(1)
    norm = deg.pow(-0.5)
    return x, y, norm[:, None] * adj * norm[None, :]


class GCNLayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o)

    def forward(self, x, a_hat):
        return a_hat @ self.lin(x)


class GCN(nn.Module):
    def __init__(self, i, h, o, dropout=0.5):
        super().__init__()
        self.l1, self.l2 = GCNLayer(i, h), GCNLayer(h, o)
        self.dropout = dropout

    def forward(self, x, a_hat):
        x = F.dropout(F.relu(self.l1(x, a_hat)), self.dropout, self.training)
        return self.l2(x, a_hat)


def sample_batches(train_idx, batch_nodes):
    idx = train_idx[torch.randperm(len(train_idx))]
    for s in range(0, len(idx), batch_nodes):
        yield idx[s:s + batch_nodes]


class GraphTrainer:
    def __init__(self, model, lr, wd):
        self.model = model
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)

    def reset_epoch(self):
        self.model.train()
        self.optimizer.zero_grad()
        self.epoch_loss = 0.0

    def train_batch(self, x, a_hat, y, nodes):
        out = self.model(x, a_hat)
        loss = F.cross_entropy(out[nodes], y[nodes])
        loss.backward()
        self.optimizer.step()
        self.epoch_loss += loss.item()

    @torch.no_grad()
    def accuracy(self, x, a_hat, y, idx):
        self.model.eval()
        pred = self.model(x, a_hat)[idx].argmax(1)
        acc = (pred == y[idx]).float().mean().item()
        self.model.train()
        return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--batch-nodes", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--wd", type=float, default=5e-4)
    args = ap.parse_args()
    random.seed(0)
    x, y, a_hat = random_graph(args.nodes, 32, 7)
    perm = torch.randperm(args.nodes)
    train_idx, val_idx, test_idx = perm[:1200], perm[1200:1600], perm[1600:]
    trainer = GraphTrainer(GCN(32, args.hidden, 7), args.lr, args.wd)
    best_val, best_test = 0.0, 0.0
    for epoch in range(args.epochs):
        trainer.reset_epoch()
        for nodes in sample_batches(train_idx, args.batch_nodes):
            trainer.train_batch(x, a_hat, y, nodes)
        val = trainer.accuracy(x, a_hat, y, val_idx)
        if val > best_val:
            best_val, best_test = val, trainer.accuracy(x, a_hat, y, test_idx)
        if epoch % 10 == 0:
            print(f"epoch {epoch:03d} loss {trainer.epoch_loss:.4f} val {val:.3f} test@best {best_test:.3f}")


if __name__ == "__main__":
    main()
