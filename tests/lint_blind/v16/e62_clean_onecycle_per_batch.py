# expect: clean
# style: fastai-like fit_one_cycle written by hand, tabular multiclass with OneCycleLR stepped per batch
# note: the scheduler is stepped every batch, but OneCycleLR is a per-iteration schedule built with total_steps = epochs * len(loader), and it is stepped after optimizer.step()
import argparse
import logging
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("onecycle")


class TabularModel(nn.Module):
    def __init__(self, n_cont, emb_szs, layers=(200, 100), n_out=7, ps=(0.1, 0.05)):
        super().__init__()
        self.embeds = nn.ModuleList([nn.Embedding(ni, nf) for ni, nf in emb_szs])
        self.bn_cont = nn.BatchNorm1d(n_cont)
        d = sum(nf for _, nf in emb_szs) + n_cont
        mods = []
        for h, p in zip(layers, ps):
            mods += [nn.Linear(d, h), nn.ReLU(), nn.BatchNorm1d(h), nn.Dropout(p)]
            d = h
        mods.append(nn.Linear(d, n_out))
        self.layers = nn.Sequential(*mods)

    def forward(self, x_cat, x_cont):
        x = torch.cat([e(x_cat[:, i]) for i, e in enumerate(self.embeds)] + [self.bn_cont(x_cont)], 1)
        return self.layers(x)


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=epochs * len(train_dl),
                                                pct_start=0.25, div_factor=25.0)
    for epoch in range(epochs):
        t0 = time.time()
        model.train()
        losses = []
        for x_cat, x_cont, y in train_dl:
            loss = F.cross_entropy(model(x_cat, x_cont), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(loss.item())
        val_loss, acc = validate(model, valid_dl)
        logger.info("%d\t%.4f\t%.4f\t%.4f\t%.0fs", epoch, np.mean(losses), val_loss, acc, time.time() - t0)
    return model


@torch.no_grad()
def validate(model, dl):
    model.eval()
    tot = correct = n = 0
    for x_cat, x_cont, y in dl:
        out = model(x_cat, x_cont)
        tot += F.cross_entropy(out, y, reduction="sum").item()
        correct += (out.argmax(1) == y).sum().item()
        n += len(y)
    return tot / n, correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    ap.add_argument("--bs", type=int, default=1024)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(0)
    n = 50000
    x_cat = torch.tensor(np.stack([rng.integers(0, c, n) for c in (4, 40, 7, 2)], 1))
    x_cont = torch.tensor(rng.normal(size=(n, 10)), dtype=torch.float32)
    y = torch.tensor((x_cat[:, 0].numpy() + (x_cont[:, 0].numpy() > 0) * 3) % 7)
    ds = TensorDataset(x_cat, x_cont, y)
    tr, va = torch.utils.data.random_split(ds, [45000, 5000], generator=torch.Generator().manual_seed(0))
    train_dl = DataLoader(tr, batch_size=args.bs, shuffle=True, drop_last=True)
    valid_dl = DataLoader(va, batch_size=args.bs * 2)
    model = TabularModel(10, [(4, 3), (40, 10), (7, 4), (2, 2)])
    fit_one_cycle(model, train_dl, valid_dl, args.epochs, args.max_lr)
    torch.save(model.state_dict(), "covtype_onecycle.pt")


if __name__ == "__main__":
    main()
