# expect: TVL012
# style: fastai-like Learner with callbacks, tabular embedding model (categorical + continuous)
# bug: the Recorder callback's after_batch does `self.total += learn.loss * bs` with the live loss tensor, so the sum (and every batch graph) is carried across the whole epoch.
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tabular")


class Callback:
    order = 0
    def before_fit(self, learn): pass
    def before_epoch(self, learn): pass
    def after_batch(self, learn): pass
    def after_epoch(self, learn): pass


class Recorder(Callback):
    order = 50

    def before_epoch(self, learn):
        self.total, self.count = 0.0, 0

    def after_batch(self, learn):
        bs = learn.yb.size(0)
        self.total += learn.loss * bs
        self.count += bs

    def after_epoch(self, learn):
        learn.history.append(float(self.total / self.count))
        log.info("epoch %d train_loss %.4f", learn.epoch, learn.history[-1])


class ValidCallback(Callback):
    order = 60

    def __init__(self, dl):
        self.dl = dl

    def after_epoch(self, learn):
        learn.model.eval()
        correct = n = 0
        with torch.no_grad():
            for xc, xn, y in self.dl:
                correct += (learn.model(xc, xn).argmax(-1) == y).sum().item()
                n += len(y)
        learn.model.train()
        log.info("epoch %d valid_acc %.4f", learn.epoch, correct / n)


class TabularModel(nn.Module):
    def __init__(self, cardinalities, n_cont, n_out, hidden=(200, 100)):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(c, min(50, (c + 1) // 2)) for c in cardinalities])
        n_emb = sum(e.embedding_dim for e in self.embeds)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        layers, d = [], n_emb + n_cont
        for h in hidden:
            layers += [nn.Linear(d, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(0.1)]
            d = h
        self.layers = nn.Sequential(*layers, nn.Linear(d, n_out))

    def forward(self, x_cat, x_cont):
        e = torch.cat([emb(x_cat[:, i]) for i, emb in enumerate(self.embeds)], 1)
        return self.layers(torch.cat([e, self.bn_cont(x_cont)], 1))


class Learner:
    def __init__(self, dl, model, lr, cbs):
        self.dl, self.model = dl, model
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.cbs = sorted(cbs, key=lambda c: c.order)
        self.history = []

    def __call__(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def fit(self, n_epoch):
        self("before_fit")
        for self.epoch in range(n_epoch):
            self.model.train()
            self("before_epoch")
            for xc, xn, self.yb in self.dl:
                self.loss = F.cross_entropy(self.model(xc, xn), self.yb)
                self.opt.zero_grad()
                self.loss.backward()
                self.opt.step()
                self("after_batch")
            self("after_epoch")


def adult_like(n, seed):
    rng = np.random.default_rng(seed)
    cards = [9, 16, 7, 15, 6]
    xc = np.stack([rng.integers(0, c, n) for c in cards], 1)
    xn = rng.normal(size=(n, 6)).astype(np.float32)
    y = ((xc[:, 1] > 8) ^ (xn[:, 0] > 0.3)).astype(np.int64)
    return cards, TensorDataset(torch.from_numpy(xc), torch.from_numpy(xn), torch.from_numpy(y))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cards, train_ds = adult_like(30000, 0)
    _, valid_ds = adult_like(5000, 1)
    train_dl = DataLoader(train_ds, batch_size=512, shuffle=True)
    valid_dl = DataLoader(valid_ds, batch_size=1024)
    model = TabularModel(cards, 6, 2)
    learn = Learner(train_dl, model, 3e-3, [Recorder(), ValidCallback(valid_dl)])
    learn.fit(5)
    torch.save(model.state_dict(), "tabular.pt")
