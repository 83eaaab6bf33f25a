# expect: clean
# style: fastai-flavoured fit_one_cycle written by hand, tabular embeddings + continuous features, scheduler factory
# note: the scheduler is stepped every batch, but it is OneCycleLR built with total_steps = epochs * len(loader), which is designed to be stepped per batch, and it runs after optimizer.step()
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TabularModel(nn.Module):
    def __init__(self, cardinalities, n_cont, out_sz=1, layers=(200, 100), emb_drop=0.04, ps=(0.001, 0.01)):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(c, min(50, (c + 1) // 2)) for c in cardinalities])
        n_emb = sum(e.embedding_dim for e in self.embeds)
        self.emb_drop = nn.Dropout(emb_drop)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        sizes = [n_emb + n_cont] + list(layers)
        blocks = []
        for a, b, p in zip(sizes[:-1], sizes[1:], ps):
            blocks += [nn.Linear(a, b), nn.ReLU(), nn.BatchNorm1d(b), nn.Dropout(p)]
        self.layers = nn.Sequential(*blocks, nn.Linear(sizes[-1], out_sz))

    def forward(self, x_cat, x_cont):
        x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)], 1)
        x = torch.cat([self.emb_drop(x), self.bn_cont(x_cont)], 1)
        return self.layers(x).squeeze(-1)


def make_scheduler(kind, opt, max_lr, epochs, steps_per_epoch):
    if kind == "one_cycle":
        return torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * steps_per_epoch,
                                                   pct_start=0.25, div_factor=25.0)
    raise ValueError(kind)


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=wd)
    sched = make_scheduler("one_cycle", opt, max_lr, epochs, len(train_dl))
    for epoch in range(epochs):
        model.train()
        tr = 0.0
        for xc, xn, y in train_dl:
            loss = F.mse_loss(model(xc, xn), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tr += loss.item() * len(y)
        model.eval()
        with torch.no_grad():
            se = sum(((model(xc, xn) - y) ** 2).sum().item() for xc, xn, y in valid_dl)
        print(f"{epoch:>3} train_loss {tr / len(train_dl.dataset):.5f} valid_rmse {np.sqrt(se / len(valid_dl.dataset)):.5f} "
              f"lr {sched.get_last_lr()[0]:.2e}")


def rossmann_like(n, cards, n_cont, rng):
    cat = np.stack([rng.integers(0, c, n) for c in cards], 1)
    cont = rng.normal(size=(n, n_cont)).astype(np.float32)
    y = (np.log1p(5000 + 300 * cat[:, 0] % 7 + 800 * cont[:, 0])).astype(np.float32)
    return TensorDataset(torch.from_numpy(cat).long(), torch.from_numpy(cont), torch.from_numpy(y))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    cards = [1116, 8, 32, 13, 4, 3, 25]
    train_ds = rossmann_like(50000, cards, 16, rng)
    valid_ds = rossmann_like(5000, cards, 16, rng)
    train_dl = DataLoader(train_ds, batch_size=512, shuffle=True)
    valid_dl = DataLoader(valid_ds, batch_size=1024)
    fit_one_cycle(TabularModel(cards, 16), train_dl, valid_dl, args.epochs, args.max_lr)
