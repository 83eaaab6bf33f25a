# expect: TVL015
# style: argparse-driven research script, link prediction on a user-item graph (LightGCN-like) with edge mini-batches
# bug: the edge-batch training loader uses shuffle=args.shuffle where --shuffle is a store_true flag defaulting to False, and the README command does not pass it, so training batches come in a fixed, sorted-by-user order
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("lightgcn")


def build_graph(n_users, n_items, edges):
    u, i = edges[:, 0], edges[:, 1] + n_users
    idx = torch.cat([torch.stack([u, i]), torch.stack([i, u])], dim=1)
    n = n_users + n_items
    deg = torch.bincount(idx[0], minlength=n).float().clamp(min=1)
    val = deg[idx[0]].rsqrt() * deg[idx[1]].rsqrt()
    return torch.sparse_coo_tensor(idx, val, (n, n)).coalesce()


class LightGCN(nn.Module):
    def __init__(self, n_users, n_items, dim=64, layers=3):
        super().__init__()
        self.n_users = n_users
        self.emb = nn.Embedding(n_users + n_items, dim)
        nn.init.normal_(self.emb.weight, std=0.1)
        self.layers = layers

    def propagate(self, graph):
        x = self.emb.weight
        out = [x]
        for _ in range(self.layers):
            x = torch.sparse.mm(graph, x)
            out.append(x)
        final = torch.stack(out).mean(0)
        return final[:self.n_users], final[self.n_users:]

    def forward(self, graph, users, pos, neg):
        U, I = self.propagate(graph)
        return (U[users] * I[pos]).sum(-1), (U[users] * I[neg]).sum(-1)


def bpr_loss(pos, neg):
    return -F.logsigmoid(pos - neg).mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-users", type=int, default=5000)
    ap.add_argument("--n-items", type=int, default=8000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch-size", type=int, default=2048)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--reg", type=float, default=1e-4)
    ap.add_argument("--shuffle", action="store_true", help="shuffle training edges")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    users = torch.arange(args.n_users).repeat_interleave(20)
    items = torch.randint(0, args.n_items, users.shape)
    edges = torch.stack([users, items], 1)  # sorted by user
    graph = build_graph(args.n_users, args.n_items, edges)

    train_loader = DataLoader(TensorDataset(edges[:, 0], edges[:, 1]), batch_size=args.batch_size,
                              shuffle=args.shuffle, drop_last=False)
    model = LightGCN(args.n_users, args.n_items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for u, p in train_loader:
            n = torch.randint(0, args.n_items, p.shape)
            pos, neg = model(graph, u, p, n)
            reg = args.reg * model.emb.weight.norm(2).pow(2) / len(u)
            loss = bpr_loss(pos, neg) + reg
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        model.eval()
        with torch.no_grad():
            U, I = model.propagate(graph)
            scores = U[:200] @ I.t()
            top = scores.topk(20, dim=-1).indices
            seen = items.view(args.n_users, 20)[:200]
            hit = (top.unsqueeze(-1) == seen.unsqueeze(1)).any(-1).float().mean().item()
        log.info("epoch %d bpr %.4f train-hit@20 %.4f", epoch, total / len(train_loader), hit)

    torch.save(model.state_dict(), "lightgcn.pt")


if __name__ == "__main__":
    main()
