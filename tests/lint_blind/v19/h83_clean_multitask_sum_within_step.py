# expect: clean
# style: Trainer with per-task loss dict for a multi-task graph model (node classification + link prediction) on a synthetic graph
# note: `total = total + loss_k` over tasks inside a step (TVL012 look-alike) sums tensors within a single iteration; the epoch-level accumulators (`self.meters`) only ever get .item() floats
import logging
import math
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("mtgraph")


class SAGELayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.self_lin = nn.Linear(i, o)
        self.neigh_lin = nn.Linear(i, o)

    def forward(self, x, adj_norm):
        return self.self_lin(x) + self.neigh_lin(adj_norm @ x)


class MultiTaskGNN(nn.Module):
    def __init__(self, d_in, d_h, n_cls):
        super().__init__()
        self.l1 = SAGELayer(d_in, d_h)
        self.l2 = SAGELayer(d_h, d_h)
        self.node_head = nn.Linear(d_h, n_cls)
        self.link_head = nn.Bilinear(d_h, d_h, 1)

    def forward(self, x, adj):
        h = F.relu(self.l1(x, adj))
        h = F.dropout(h, 0.3, self.training)
        return self.l2(h, adj)


def make_graph(n=3000, d=32, c=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, c, (n,), generator=g)
    x = torch.randn(n, d, generator=g) + 0.5 * F.one_hot(y, c).float().repeat(1, math.ceil(d / c))[:, :d]
    same = (y[:, None] == y[None, :]).float()
    a = (torch.rand(n, n, generator=g) < 0.002 + 0.004 * same).float()
    a = ((a + a.t()) > 0).float()
    deg = a.sum(1, keepdim=True).clamp(min=1)
    edges = a.triu(1).nonzero()
    return x, a / deg, y, edges


class Trainer:
    def __init__(self, model, weights, lr=5e-3):
        self.model = model
        self.weights = weights
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=5e-4)
        self.meters = defaultdict(float)
        self.steps = 0

    def task_losses(self, h, y, train_idx, pos, neg):
        out = {"node": F.cross_entropy(self.model.node_head(h[train_idx]), y[train_idx])}
        s_pos = self.model.link_head(h[pos[:, 0]], h[pos[:, 1]]).squeeze(-1)
        s_neg = self.model.link_head(h[neg[:, 0]], h[neg[:, 1]]).squeeze(-1)
        out["link"] = F.binary_cross_entropy_with_logits(torch.cat([s_pos, s_neg]),
                                                         torch.cat([torch.ones_like(s_pos), torch.zeros_like(s_neg)]))
        return out

    def step(self, x, adj, y, train_idx, edges):
        self.model.train()
        pos = edges[torch.randint(0, len(edges), (1024,))]
        neg = torch.randint(0, x.size(0), (1024, 2))
        h = self.model(x, adj)
        losses = self.task_losses(h, y, train_idx, pos, neg)
        total = torch.zeros(())
        for k, v in losses.items():
            total = total + self.weights[k] * v
            self.meters[k] += v.item()
        self.opt.zero_grad()
        total.backward()
        self.opt.step()
        self.meters["total"] += total.item()
        self.steps += 1

    def flush(self):
        out = {k: v / max(1, self.steps) for k, v in self.meters.items()}
        self.meters.clear()
        self.steps = 0
        return out

    @torch.no_grad()
    def node_acc(self, x, adj, y, idx):
        self.model.eval()
        h = self.model(x, adj)
        acc = (self.model.node_head(h[idx]).argmax(1) == y[idx]).float().mean().item()
        self.model.train()
        return acc


def main():
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x, adj, y, edges = make_graph()
    perm = torch.randperm(x.size(0))
    train_idx, val_idx = perm[:600], perm[600:1600]
    trainer = Trainer(MultiTaskGNN(32, 128, 5), {"node": 1.0, "link": 0.5})
    for epoch in range(300):
        trainer.step(x, adj, y, train_idx, edges)
        if (epoch + 1) % 25 == 0:
            stats = trainer.flush()
            log.info("epoch %d %s val acc %.4f", epoch + 1, {k: round(v, 4) for k, v in stats.items()},
                     trainer.node_acc(x, adj, y, val_idx))
    torch.save(trainer.model.state_dict(), "mt_gnn.pt")


if __name__ == "__main__":
    main()
