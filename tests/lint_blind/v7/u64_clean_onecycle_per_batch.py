# expect: clean
# style: fastai-like fit_one_cycle helper in a hand-written loop, tabular income classification
# note: the scheduler is stepped every batch, which looks like TVL007, but it is OneCycleLR built with steps_per_epoch=len(loader) (a per-batch schedule) and it is stepped after optimizer.step().
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tab")


class TabularModel(nn.Module):
    def __init__(self, cards, n_cont, emb_dim=8, hidden=(200, 100)):
        super().__init__()
        self.embs = nn.ModuleList(nn.Embedding(c, min(emb_dim, (c + 1) // 2)) for c in cards)
        d_emb = sum(e.embedding_dim for e in self.embs)
        self.bn_cont = nn.BatchNorm1d(n_cont)
        layers, d = [], d_emb + n_cont
        for h in hidden:
            layers += [nn.Linear(d, h), nn.ReLU(), nn.BatchNorm1d(h)]
            d = h
        self.layers = nn.Sequential(*layers, nn.Linear(d, 2))

    def forward(self, cat, cont):
        x = torch.cat([e(cat[:, i]) for i, e in enumerate(self.embs)] + [self.bn_cont(cont)], 1)
        return self.layers(x)


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, wd=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs, steps_per_epoch=len(train_dl))
    for epoch in range(epochs):
        model.train()
        tr = []
        for cat, cont, y in train_dl:
            loss = F.cross_entropy(model(cat, cont), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            tr.append(loss.item())
        model.eval()
        correct = n = 0
        with torch.no_grad():
            for cat, cont, y in valid_dl:
                correct += (model(cat, cont).argmax(1) == y).sum().item()
                n += len(y)
        log.info("epoch %d train_loss %.4f accuracy %.4f lr %.2e", epoch, np.mean(tr), correct / n,
                 sched.get_last_lr()[0])


def count_parameters(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def describe(model):
    for name, module in model.named_children():
        n = sum(p.numel() for p in module.parameters())
        log.info("%-10s %8d params", name, n)
    log.info("total trainable: %d", count_parameters(model))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(1)
    cards = [9, 16, 7, 15, 6, 5, 2]
    n = 20000
    cat = torch.from_numpy(np.stack([rng.integers(0, c, n) for c in cards], 1)).long()
    cont = torch.from_numpy(rng.normal(size=(n, 6)).astype(np.float32))
    y = torch.from_numpy((rng.random(n) < 0.24).astype(np.int64))
    train_dl = DataLoader(TensorDataset(cat[:16000], cont[:16000], y[:16000]), batch_size=256, shuffle=True)
    valid_dl = DataLoader(TensorDataset(cat[16000:], cont[16000:], y[16000:]), batch_size=1024)
    fit_one_cycle(TabularModel(cards, 6), train_dl, valid_dl, epochs=5, max_lr=1e-2)
