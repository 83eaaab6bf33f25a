# expect: TVL007
# style: callback-based training loop (fastai/keras-like) for a sequence-to-label ECG classifier
# bug: CosineAnnealingLR is built with T_max=cfg["epochs"] (epochs), but the LRSchedulerCallback steps it in on_batch_end, so the cosine cycles every few batches instead of once over training
import logging
import math

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ecg")

CFG = {
    "epochs": 40,
    "batch_size": 64,
    "lr": 3e-3,
    "min_lr": 1e-5,
    "weight_decay": 1e-4,
    "channels": [32, 64, 128],
    "n_classes": 5,
}


class Callback:
    def on_train_begin(self, learner): pass
    def on_epoch_begin(self, learner): pass
    def on_batch_end(self, learner): pass
    def on_epoch_end(self, learner): pass


class LRSchedulerCallback(Callback):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_batch_end(self, learner):
        self.scheduler.step()
        learner.history.setdefault("lr", []).append(self.scheduler.get_last_lr()[0])


class ProgressCallback(Callback):
    def __init__(self, every=50):
        self.every = every

    def on_batch_end(self, learner):
        if learner.n_iter % self.every == 0:
            log.info("epoch %d iter %d loss %.4f", learner.epoch, learner.n_iter, learner.last_loss)

    def on_epoch_end(self, learner):
        log.info("epoch %d done: val_acc %.4f val_f1 %.4f", learner.epoch, learner.metrics["acc"], learner.metrics["f1"])


class ResBlock1d(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.c1 = nn.Conv1d(cin, cout, 7, padding=3)
        self.b1 = nn.BatchNorm1d(cout)
        self.c2 = nn.Conv1d(cout, cout, 7, padding=3)
        self.b2 = nn.BatchNorm1d(cout)
        self.skip = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        return F.max_pool1d(F.relu(h + self.skip(x)), 2)


class ECGNet(nn.Module):
    def __init__(self, channels, n_classes):
        super().__init__()
        blocks, cin = [], 1
        for c in channels:
            blocks.append(ResBlock1d(cin, c))
            cin = c
        self.blocks = nn.Sequential(*blocks)
        self.fc = nn.Linear(cin, n_classes)

    def forward(self, x):
        return self.fc(self.blocks(x).mean(-1))


def macro_f1(pred, y, k):
    f1s = []
    for c in range(k):
        tp = ((pred == c) & (y == c)).sum()
        fp = ((pred == c) & (y != c)).sum()
        fn = ((pred != c) & (y == c)).sum()
        f1s.append(2 * tp / max(1, 2 * tp + fp + fn))
    return float(np.mean(f1s))


class Learner:
    def __init__(self, model, train_dl, val_dl, optimizer, callbacks):
        self.model, self.train_dl, self.val_dl = model, train_dl, val_dl
        self.opt = optimizer
        self.cbs = callbacks
        self.history, self.metrics = {}, {}
        self.n_iter, self.epoch, self.last_loss = 0, 0, float("nan")

    def _cb(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def validate(self):
        self.model.eval()
        preds, ys = [], []
        with torch.no_grad():
            for x, y in self.val_dl:
                preds.append(self.model(x).argmax(1))
                ys.append(y)
        self.model.train()
        p, y = torch.cat(preds).numpy(), torch.cat(ys).numpy()
        self.metrics = {"acc": float((p == y).mean()), "f1": macro_f1(p, y, CFG["n_classes"])}

    def fit(self, epochs):
        self._cb("on_train_begin")
        for self.epoch in range(epochs):
            self.model.train()
            self._cb("on_epoch_begin")
            for x, y in self.train_dl:
                loss = F.cross_entropy(self.model(x), y)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.last_loss = loss.item()
                self.n_iter += 1
                self._cb("on_batch_end")
            self.validate()
            self._cb("on_epoch_end")


def make_split(n, length=1000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, CFG["n_classes"], n)
    t = np.linspace(0, 10, length)
    x = np.stack([np.sin(2 * math.pi * (1 + 0.3 * c) * t) + 0.4 * rng.normal(size=length) for c in y])
    return TensorDataset(torch.from_numpy(x[:, None].astype(np.float32)), torch.from_numpy(y))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train_dl = DataLoader(make_split(6000), batch_size=CFG["batch_size"], shuffle=True)
    val_dl = DataLoader(make_split(1000, seed=1), batch_size=256)
    model = ECGNet(CFG["channels"], CFG["n_classes"])
    opt = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=CFG["weight_decay"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=CFG["epochs"], eta_min=CFG["min_lr"])
    learner = Learner(model, train_dl, val_dl, opt, [LRSchedulerCallback(sched), ProgressCallback()])
    learner.fit(CFG["epochs"])
    torch.save(model.state_dict(), "ecgnet.pt")
