# expect: TVL012
# style: research repo with AverageMeter-style MetricTracker, graph link prediction (GraphSAGE-like)
# bug: train_epoch() calls tracker.update("loss", loss, n) with the loss tensor, and MetricTracker.update() accumulates value * n into self.sums, so every batch's graph stays referenced until the epoch's report
import argparse
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("linkpred")


class MetricTracker:
    def __init__(self):
        self.reset()

    def reset(self):
        self.sums = defaultdict(float)
        self.counts = defaultdict(int)

    def update(self, key, value, n=1):
        self.sums[key] += value * n
        self.counts[key] += n

    def avg(self, key):
        return float(self.sums[key]) / max(self.counts[key], 1)

    def result(self):
        return {k: self.avg(k) for k in self.sums}


def random_graph(n_nodes=3000, n_feat=32, avg_deg=8, seed=0):
    g = torch.Generator().manual_seed(seed)
    comm = torch.randint(0, 10, (n_nodes,), generator=g)
    x = F.one_hot(comm, 10).float() @ torch.randn(10, n_feat, generator=g) + 0.5 * torch.randn(n_nodes, n_feat, generator=g)
    src = torch.randint(0, n_nodes, (n_nodes * avg_deg,), generator=g)
    same = torch.rand(len(src), generator=g) < 0.8
    cand = torch.randint(0, n_nodes, (len(src),), generator=g)
    dst = torch.where(same, torch.argsort(comm)[torch.searchsorted(comm.sort().values, comm[src])], cand)
    keep = src != dst
    return x, torch.stack([src[keep], dst[keep]])


class SAGELayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.self_lin = nn.Linear(cin, cout)
        self.neigh_lin = nn.Linear(cin, cout)

    def forward(self, x, edge_index):
        src, dst = edge_index
        agg = torch.zeros_like(x).index_add_(0, dst, x[src])
        deg = torch.zeros(x.size(0), device=x.device).index_add_(0, dst, torch.ones_like(dst, dtype=x.dtype))
        agg = agg / deg.clamp(min=1).unsqueeze(-1)
        return self.self_lin(x) + self.neigh_lin(agg)


class SAGE(nn.Module):
    def __init__(self, cin, hidden=64, out=64):
        super().__init__()
        self.l1 = SAGELayer(cin, hidden)
        self.l2 = SAGELayer(hidden, out)

    def forward(self, x, ei):
        return self.l2(F.dropout(F.relu(self.l1(x, ei)), 0.3, self.training), ei)


def score(z, pairs):
    return (z[pairs[0]] * z[pairs[1]]).sum(-1)


def train_epoch(model, opt, x, train_ei, tracker, batch_edges=4096):
    model.train()
    perm = torch.randperm(train_ei.size(1))
    for s in range(0, len(perm), batch_edges):
        pos = train_ei[:, perm[s : s + batch_edges]]
        neg = torch.randint(0, x.size(0), pos.shape)
        z = model(x, train_ei)
        logits = torch.cat([score(z, pos), score(z, neg)])
        labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        tracker.update("loss", loss, pos.size(1))
        tracker.update("pos_score", score(z, pos).mean().item(), pos.size(1))


@torch.no_grad()
def evaluate(model, x, train_ei, test_ei):
    model.eval()
    z = model(x, train_ei)
    neg = torch.randint(0, x.size(0), test_ei.shape)
    p, n = score(z, test_ei), score(z, neg)
    return (p[:, None] > n[None, :1000]).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=5e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x, ei = random_graph()
    perm = torch.randperm(ei.size(1))
    n_test = ei.size(1) // 10
    test_ei, train_ei = ei[:, perm[:n_test]], ei[:, perm[n_test:]]

    model = SAGE(x.size(1))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    tracker = MetricTracker()
    for epoch in range(args.epochs):
        tracker.reset()
        train_epoch(model, opt, x, train_ei, tracker)
        auc = evaluate(model, x, train_ei, test_ei)
        log.info("epoch %d %s test_auc~%.4f", epoch, tracker.result(), auc)
    torch.save(model.state_dict(), "sage_linkpred.pt")


if __name__ == "__main__":
    main()
