# expect: clean
# style: research repo with AverageMeter + detached loss history for a graph link-prediction model
# note: the meter gets loss.item(), and the per-batch history keeps loss.detach() tensors that are stacked at the end of the epoch, so no graph is retained.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("linkpred")


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, v, n=1):
        self.sum += v * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


class SAGE(nn.Module):
    def __init__(self, n_nodes, d=64):
        super().__init__()
        self.emb = nn.Embedding(n_nodes, d)
        self.l1 = nn.Linear(2 * d, d)
        self.l2 = nn.Linear(2 * d, d)

    def propagate(self, h, adj):
        deg = adj.sum(1, keepdim=True).clamp_min(1)
        return torch.sparse.mm(adj, h) / deg if adj.is_sparse else adj @ h / deg

    def forward(self, adj):
        h = self.emb.weight
        h = F.relu(self.l1(torch.cat([h, self.propagate(h, adj)], -1)))
        return self.l2(torch.cat([h, self.propagate(h, adj)], -1))


def score(z, edges):
    return (z[edges[0]] * z[edges[1]]).sum(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    n = args.nodes
    edges = torch.randint(0, n, (2, 20000))
    adj = torch.zeros(n, n)
    adj[edges[0], edges[1]] = 1
    adj = ((adj + adj.t()) > 0).float()
    model = SAGE(n)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    perm = torch.randperm(edges.size(1))
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        history = []
        for chunk in perm.split(4096):
            pos = edges[:, chunk]
            neg = torch.randint(0, n, pos.shape)
            z = model(adj)
            logits = torch.cat([score(z, pos), score(z, neg)])
            labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
            loss = F.binary_cross_entropy_with_logits(logits, labels)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), pos.size(1))
            history.append(loss.detach())
        spread = torch.stack(history).std().item()
        log.info("epoch %d loss %.4f (batch std %.4f)", epoch, meter.avg, spread)
        perm = torch.randperm(edges.size(1))


if __name__ == "__main__":
    main()
