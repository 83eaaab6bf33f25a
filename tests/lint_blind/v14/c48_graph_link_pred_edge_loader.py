# expect: TVL015
# style: link prediction on a user-item graph, trainer class that builds its own edge loader
# bug: LinkPredTrainer._edge_loader() wraps the (source-sorted) positive edge list in a DataLoader without shuffle or a sampler
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("linkpred")


class LightGCN(nn.Module):
    def __init__(self, n_nodes, dim=64, n_layers=3):
        super().__init__()
        self.emb = nn.Embedding(n_nodes, dim)
        nn.init.normal_(self.emb.weight, std=0.1)
        self.n_layers = n_layers

    def propagate(self, adj):
        h = self.emb.weight
        out = [h]
        for _ in range(self.n_layers):
            h = torch.sparse.mm(adj, h)
            out.append(h)
        return torch.stack(out).mean(0)

    def score(self, z, src, dst):
        return (z[src] * z[dst]).sum(-1)


def build_adj(edges, n):
    both = torch.cat([edges, edges.flip(0)], 1)
    deg = torch.zeros(n).index_add_(0, both[0], torch.ones(both.size(1)))
    w = deg[both[0]].pow(-0.5) * deg[both[1]].pow(-0.5)
    return torch.sparse_coo_tensor(both, w, (n, n)).coalesce()


class LinkPredTrainer:
    def __init__(self, n_users, n_items, train_edges, test_edges, bs=2048, lr=1e-3, reg=1e-4):
        self.n_users, self.n_items = n_users, n_items
        self.train_edges, self.test_edges = train_edges, test_edges
        self.model = LightGCN(n_users + n_items)
        self.adj = build_adj(train_edges, n_users + n_items)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=lr)
        self.bs, self.reg = bs, reg

    def _edge_loader(self):
        ds = TensorDataset(self.train_edges[0], self.train_edges[1])
        return DataLoader(ds, batch_size=self.bs)

    def bpr_step(self, users, pos_items):
        neg_items = torch.randint(self.n_users, self.n_users + self.n_items, users.shape)
        z = self.model.propagate(self.adj)
        pos = self.model.score(z, users, pos_items)
        neg = self.model.score(z, users, neg_items)
        e0 = self.model.emb.weight
        reg = (e0[users].pow(2).sum() + e0[pos_items].pow(2).sum() + e0[neg_items].pow(2).sum()) / len(users)
        loss = -F.logsigmoid(pos - neg).mean() + self.reg * reg
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    @torch.no_grad()
    def recall_at_20(self):
        z = self.model.propagate(self.adj)
        u = z[: self.n_users]
        it = z[self.n_users:]
        scores = u @ it.t()
        scores[self.train_edges[0], self.train_edges[1] - self.n_users] = -1e9
        top = scores.topk(20, dim=1).indices + self.n_users
        hits = (top[self.test_edges[0]] == self.test_edges[1][:, None]).any(1).float()
        return hits.mean().item()

    def fit(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            losses = [self.bpr_step(u, i) for u, i in self._edge_loader()]
            if epoch % 5 == 0:
                log.info("epoch %d bpr %.4f recall@20 %.4f", epoch, sum(losses) / len(losses), self.recall_at_20())


def synthetic_interactions(n_users=1000, n_items=800, per_user=15, seed=0):
    g = torch.Generator().manual_seed(seed)
    users = torch.arange(n_users).repeat_interleave(per_user)
    items = (users * 7 + torch.randint(0, 40, (len(users),), generator=g)) % n_items + n_users
    edges = torch.unique(torch.stack([users, items]), dim=1)     # sorted by user id
    mask = torch.rand(edges.size(1), generator=g) < 0.9
    return edges[:, mask], edges[:, ~mask]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_e, test_e = synthetic_interactions()
    LinkPredTrainer(1000, 800, train_e, test_e).fit(50)
