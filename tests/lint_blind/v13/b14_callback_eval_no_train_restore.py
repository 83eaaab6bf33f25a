# expect: TVL004
# style: Keras-like fit() with callbacks, graph node classification (GCN on a synthetic graph)
# bug: the ValidationCallback puts the model in eval() at epoch end and the fit loop only calls model.train() once before the first epoch
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("gcn")


def random_graph(n=2000, p_edges=8, n_feat=64, n_cls=7, seed=0):
    g = torch.Generator().manual_seed(seed)
    src = torch.randint(0, n, (n * p_edges,), generator=g)
    dst = torch.randint(0, n, (n * p_edges,), generator=g)
    idx = torch.cat([torch.stack([src, dst]), torch.stack([dst, src]), torch.arange(n).repeat(2, 1)], 1)
    deg = torch.zeros(n).index_add_(0, idx[0], torch.ones(idx.size(1)))
    w = deg[idx[0]].rsqrt() * deg[idx[1]].rsqrt()
    adj = torch.sparse_coo_tensor(idx, w, (n, n)).coalesce()
    x = torch.randn(n, n_feat, generator=g)
    y = torch.randint(0, n_cls, (n,), generator=g)
    perm = torch.randperm(n, generator=g)
    masks = {"train": perm[: n // 2], "val": perm[n // 2: 3 * n // 4], "test": perm[3 * n // 4:]}
    return adj, x, y, masks


class GCN(nn.Module):
    def __init__(self, n_feat, hidden, n_cls, dropout=0.5):
        super().__init__()
        self.l1 = nn.Linear(n_feat, hidden)
        self.l2 = nn.Linear(hidden, n_cls)
        self.dropout = dropout

    def forward(self, adj, x):
        x = F.dropout(x, self.dropout, self.training)
        x = F.relu(torch.sparse.mm(adj, self.l1(x)))
        x = F.dropout(x, self.dropout, self.training)
        return torch.sparse.mm(adj, self.l2(x))


class Callback:
    def on_epoch_end(self, trainer, epoch): pass


class ValidationCallback(Callback):
    def __init__(self, split="val"):
        self.split = split
        self.best = 0.0

    def on_epoch_end(self, trainer, epoch):
        trainer.model.eval()
        with torch.no_grad():
            out = trainer.model(trainer.adj, trainer.x)
        idx = trainer.masks[self.split]
        acc = (out[idx].argmax(-1) == trainer.y[idx]).float().mean().item()
        trainer.logs[f"{self.split}_acc"] = acc
        if acc > self.best:
            self.best = acc
            torch.save(trainer.model.state_dict(), "gcn_best.pt")


class TimerCallback(Callback):
    def on_epoch_end(self, trainer, epoch):
        trainer.logs["time"] = time.time() - trainer.t0


class GraphTrainer:
    def __init__(self, model, adj, x, y, masks, lr=0.01, wd=5e-4, callbacks=()):
        self.model, self.adj, self.x, self.y, self.masks = model, adj, x, y, masks
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=wd)
        self.callbacks = list(callbacks)
        self.logs = {}

    def fit(self, epochs):
        self.t0 = time.time()
        self.model.train()
        for epoch in range(epochs):
            self.opt.zero_grad()
            out = self.model(self.adj, self.x)
            idx = self.masks["train"]
            loss = F.cross_entropy(out[idx], self.y[idx])
            loss.backward()
            self.opt.step()
            self.logs = {"loss": loss.item()}
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch)
            if epoch % 10 == 0:
                log.info("epoch %d %s", epoch, {k: round(v, 4) for k, v in self.logs.items()})


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    adj, x, y, masks = random_graph()
    model = GCN(x.size(1), 64, 7)
    trainer = GraphTrainer(model, adj, x, y, masks, callbacks=[ValidationCallback(), TimerCallback()])
    trainer.fit(200)
