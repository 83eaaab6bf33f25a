# expect: clean
# style: Keras-like callback Learner for time-series classification; eval callback plus per-epoch model.train()
# note: the EvalCallback switches the model to eval() and never back, but Learner.fit calls model.train() at the start of every epoch, and the validation loss is computed without any optimizer step.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tsc")


class Callback:
    def on_epoch_end(self, learner): pass


class EvalCallback(Callback):
    def __init__(self, loader):
        self.loader = loader

    def on_epoch_end(self, learner):
        learner.model.eval()
        loss_sum, correct, n = 0.0, 0, 0
        with torch.no_grad():
            for x, y in self.loader:
                out = learner.model(x)
                loss_sum += F.cross_entropy(out, y, reduction="sum").item()
                correct += (out.argmax(1) == y).sum().item()
                n += len(y)
        learner.logs.update(val_loss=loss_sum / n, val_acc=correct / n)


class EarlyStopping(Callback):
    def __init__(self, patience=4):
        self.patience, self.best, self.wait = patience, float("inf"), 0

    def on_epoch_end(self, learner):
        if learner.logs["val_loss"] < self.best:
            self.best, self.wait = learner.logs["val_loss"], 0
        else:
            self.wait += 1
            learner.stop = self.wait >= self.patience


class Learner:
    def __init__(self, model, loader, lr, callbacks):
        self.model, self.loader, self.callbacks = model, loader, callbacks
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.logs, self.stop = {}, False

    def fit(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            total = 0.0
            for x, y in self.loader:
                self.opt.zero_grad()
                loss = F.cross_entropy(self.model(x), y)
                loss.backward()
                self.opt.step()
                total += loss.item()
            self.logs = {"loss": total / len(self.loader)}
            for cb in self.callbacks:
                cb.on_epoch_end(self)
            log.info("epoch %d %s", epoch, {k: round(v, 4) for k, v in self.logs.items()})
            if self.stop:
                break


class InceptionTimeLite(nn.Module):
    def __init__(self, c_in=3, n_classes=6, nf=32):
        super().__init__()
        self.branches = nn.ModuleList([nn.Conv1d(c_in, nf, k, padding=k // 2) for k in (9, 19, 39)])
        self.bn = nn.BatchNorm1d(3 * nf)
        self.fc = nn.Linear(3 * nf, n_classes)

    def forward(self, x):
        h = F.relu(self.bn(torch.cat([b(x) for b in self.branches], 1)))
        return self.fc(h.mean(-1))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    tr = DataLoader(TensorDataset(torch.randn(3000, 3, 128), torch.randint(0, 6, (3000,))), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(torch.randn(500, 3, 128), torch.randint(0, 6, (500,))), batch_size=256)
    Learner(InceptionTimeLite(), tr, 1e-3, [EvalCallback(va), EarlyStopping()]).fit(30)
