# expect: TVL012
# style: GNN link prediction engine with a train() function returning the epoch loss
# bug: train() accumulates total_loss += loss * batch_size with the graph-carrying tensor and only converts at the end, holding every mini-batch graph for the whole epoch
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

logger = logging.getLogger("linkpred")


def build_graph(n_nodes=3000, n_edges=20000, feat_dim=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(0, n_nodes, (n_edges,), generator=g)
    dst = (src + torch.randint(1, 50, (n_edges,), generator=g)) % n_nodes
    x = torch.randn(n_nodes, feat_dim, generator=g)
    return x, torch.stack([src, dst])


def normalized_adj(edge_index, n):
    a = torch.zeros(n, n)
    a[edge_index[0], edge_index[1]] = 1.0
    a = a + a.t() + torch.eye(n)
    a = (a > 0).float()
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


class SAGELike(nn.Module):
    def __init__(self, d_in, d_h):
        super().__init__()
        self.l1 = nn.Linear(2 * d_in, d_h)
        self.l2 = nn.Linear(2 * d_h, d_h)

    def forward(self, x, a):
        h = F.relu(self.l1(torch.cat([x, a @ x], -1)))
        return self.l2(torch.cat([h, a @ h], -1))


def score(z, edges):
    return (z[edges[0]] * z[edges[1]]).sum(-1)


def train(model, optimizer, x, a, pos_edges, n_nodes, batch_size):
    model.train()
    total_loss, total = 0, 0
    perm = torch.randperm(pos_edges.size(1))
    for s in range(0, len(perm), batch_size):
        idx = perm[s:s + batch_size]
        pos = pos_edges[:, idx]
        neg = torch.randint(0, n_nodes, pos.shape)
        optimizer.zero_grad()
        z = model(x, a)
        logits = torch.cat([score(z, pos), score(z, neg)])
        labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        loss.backward()
        optimizer.step()
        total_loss += loss * pos.size(1)
        total += pos.size(1)
    return float(total_loss) / total


@torch.no_grad()
def test(model, x, a, pos_edges, n_nodes):
    model.eval()
    z = model(x, a)
    neg = torch.randint(0, n_nodes, pos_edges.shape)
    p, n = score(z, pos_edges), score(z, neg)
    model.train()
    return (p[:, None] > n[None, :]).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=5e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    x, edges = build_graph()
    n = x.size(0)
    perm = torch.randperm(edges.size(1))
    train_e, test_e = edges[:, perm[:18000]], edges[:, perm[18000:]]
    a = normalized_adj(train_e, n)
    model = SAGELike(x.size(1), args.hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(1, args.epochs + 1):
        loss = train(model, optimizer, x, a, train_e, n, args.batch_size)
        if epoch % 5 == 0:
            logger.info("epoch %03d loss %.4f test AUC %.4f", epoch, loss, test(model, x, a, test_e, n))


if __name__ == "__main__":
    main()
