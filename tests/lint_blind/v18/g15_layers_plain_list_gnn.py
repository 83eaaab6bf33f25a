# expect: TVL005
# style: graph neural network (GCN) research code, model built by a helper from a config dict
# bug: build_gcn_stack() returns a plain Python list which GCN stores as self.convs, so the hidden graph-conv layers are not registered: model.parameters() (and the optimizer, state_dict) miss them and they stay at their random init.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("gcn")

MODEL_CFG = {"hidden": 64, "layers": 3, "dropout": 0.5, "residual": True}


def random_graph(n_nodes=600, n_feats=32, n_classes=5, p_in=0.05, p_out=0.005, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_classes, (n_nodes,), generator=g)
    same = (y[:, None] == y[None, :]).float()
    prob = same * p_in + (1 - same) * p_out
    adj = (torch.rand(n_nodes, n_nodes, generator=g) < prob).float()
    adj = ((adj + adj.t()) > 0).float()
    adj.fill_diagonal_(1.0)
    x = torch.randn(n_nodes, n_feats, generator=g) + F.one_hot(y, n_classes).repeat(1, n_feats // n_classes + 1)[:, :n_feats]
    return x, adj, y


def normalize_adj(adj):
    deg = adj.sum(1)
    d_inv_sqrt = deg.pow(-0.5)
    return d_inv_sqrt[:, None] * adj * d_inv_sqrt[None, :]


class GraphConv(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.lin = nn.Linear(d_in, d_out)

    def forward(self, x, a_hat):
        return a_hat @ self.lin(x)


def build_gcn_stack(d_in, hidden, n_layers):
    convs = [GraphConv(d_in, hidden)]
    for _ in range(n_layers - 2):
        convs.append(GraphConv(hidden, hidden))
    return convs


class GCN(nn.Module):
    def __init__(self, d_in, n_classes, cfg):
        super().__init__()
        self.convs = build_gcn_stack(d_in, cfg["hidden"], cfg["layers"])
        self.out = GraphConv(cfg["hidden"], n_classes)
        self.dropout = cfg["dropout"]
        self.residual = cfg["residual"]

    def forward(self, x, a_hat):
        for i, conv in enumerate(self.convs):
            h = F.relu(conv(F.dropout(x, self.dropout, self.training), a_hat))
            x = x + h if (self.residual and i > 0) else h
        return self.out(F.dropout(x, self.dropout, self.training), a_hat)


def accuracy(logits, y, mask):
    return (logits[mask].argmax(-1) == y[mask]).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--wd", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    x, adj, y = random_graph()
    a_hat = normalize_adj(adj)
    n = x.size(0)
    perm = torch.randperm(n)
    train_mask = torch.zeros(n, dtype=torch.bool)
    train_mask[perm[:120]] = True
    val_mask = torch.zeros(n, dtype=torch.bool)
    val_mask[perm[120:320]] = True

    model = GCN(x.size(1), int(y.max()) + 1, MODEL_CFG)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.wd)
    log.info("params: %d", sum(p.numel() for p in model.parameters()))

    best_val, patience = 0.0, 0
    for epoch in range(args.epochs):
        model.train()
        optimizer.zero_grad()
        logits = model(x, a_hat)
        loss = F.cross_entropy(logits[train_mask], y[train_mask])
        loss.backward()
        optimizer.step()

        model.eval()
        with torch.no_grad():
            logits = model(x, a_hat)
        val_acc = accuracy(logits, y, val_mask)
        if val_acc > best_val:
            best_val, patience = val_acc, 0
            torch.save(model.state_dict(), "gcn_best.pt")
        else:
            patience += 1
        if epoch % 20 == 0:
            log.info("epoch %3d loss %.4f train %.3f val %.3f", epoch, loss.item(), accuracy(logits, y, train_mask), val_acc)
        if patience > 50:
            break
    log.info("best val %.3f", best_val)


if __name__ == "__main__":
    main()
