# expect: clean
# style: Keras-like fit() with callbacks, link prediction on a user-item graph (LightGCN-lite)
# note: the validation callback switches the model to eval() from inside on_epoch_end, but restores the previous mode in a finally block, so the next epoch still trains in train mode
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def random_bipartite(n_users=1000, n_items=2000, n_edges=30000, seed=0):
    g = torch.Generator().manual_seed(seed)
    u = torch.randint(0, n_users, (n_edges,), generator=g)
    i = torch.randint(0, n_items, (n_edges,), generator=g)
    return u, i


def norm_adj(u, i, n_users, n_items):
    n = n_users + n_items
    rows = torch.cat([u, i + n_users])
    cols = torch.cat([i + n_users, u])
    deg = torch.bincount(rows, minlength=n).float().clamp(min=1)
    vals = deg[rows].rsqrt() * deg[cols].rsqrt()
    return torch.sparse_coo_tensor(torch.stack([rows, cols]), vals, (n, n)).coalesce()


class LightGCN(nn.Module):
    def __init__(self, n_users, n_items, adj, dim=64, layers=3, dropout=0.1):
        super().__init__()
        self.n_users = n_users
        self.emb = nn.Embedding(n_users + n_items, dim)
        nn.init.normal_(self.emb.weight, std=0.1)
        self.register_buffer("adj", adj)
        self.layers = layers
        self.drop = nn.Dropout(dropout)

    def propagate(self):
        x = self.emb.weight
        out = [x]
        for _ in range(self.layers):
            x = torch.sparse.mm(self.adj, self.drop(x))
            out.append(x)
        return torch.stack(out).mean(0)

    def forward(self, users, pos, neg):
        h = self.propagate()
        hu, hp, hn = h[users], h[self.n_users + pos], h[self.n_users + neg]
        return (hu * hp).sum(-1), (hu * hn).sum(-1)


class Callback:
    def on_epoch_end(self, fitter, epoch, logs): pass


class RecallCallback(Callback):
    def __init__(self, val_users, val_items, k=20):
        self.val_users, self.val_items, self.k = val_users, val_items, k

    def on_epoch_end(self, fitter, epoch, logs):
        model = fitter.model
        was_training = model.training
        model.eval()
        try:
            with torch.no_grad():
                h = model.propagate()
                scores = h[self.val_users] @ h[model.n_users:].t()
                topk = scores.topk(self.k, dim=1).indices
                logs["recall@20"] = (topk == self.val_items[:, None]).any(1).float().mean().item()
        finally:
            model.train(was_training)


class Fitter:
    def __init__(self, model, lr, n_items, callbacks):
        self.model, self.n_items, self.callbacks = model, n_items, callbacks
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def fit(self, loader, epochs):
        self.model.train()
        for epoch in range(epochs):
            t0, total = time.time(), 0.0
            for users, pos in loader:
                neg = torch.randint(0, self.n_items, pos.shape)
                ps, ns = self.model(users, pos, neg)
                loss = -F.logsigmoid(ps - ns).mean() + 1e-4 * self.model.emb.weight.norm(2).pow(2) / len(users)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                total += loss.item()
            logs = {"bpr": total / len(loader), "sec": time.time() - t0}
            for cb in self.callbacks:
                cb.on_epoch_end(self, epoch, logs)
            print(f"epoch {epoch}", {k: round(v, 4) for k, v in logs.items()})


if __name__ == "__main__":
    nu, ni = 1000, 2000
    u, i = random_bipartite(nu, ni)
    model = LightGCN(nu, ni, norm_adj(u[:27000], i[:27000], nu, ni))
    loader = DataLoader(TensorDataset(u[:27000], i[:27000]), batch_size=2048, shuffle=True)
    Fitter(model, 1e-3, ni, [RecallCallback(u[27000:], i[27000:])]).fit(loader, epochs=30)
    torch.save(model.state_dict(), "lightgcn.pt")
