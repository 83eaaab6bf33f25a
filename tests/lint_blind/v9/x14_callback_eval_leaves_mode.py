# expect: TVL004
# style: fastai/Keras-like callback trainer for audio keyword spotting
# bug: the EvalCallback switches the learner's model to eval() in on_epoch_end and nothing switches it back; the Learner only calls model.train() in before_fit.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kws")


class Callback:
    def before_fit(self, learn): pass
    def on_epoch_end(self, learn): pass
    def after_fit(self, learn): pass


class EvalCallback(Callback):
    def __init__(self, loader):
        self.loader = loader

    def on_epoch_end(self, learn):
        learn.model.eval()
        correct = n = 0
        with torch.no_grad():
            for x, y in self.loader:
                correct += (learn.model(x).argmax(-1) == y).sum().item()
                n += y.numel()
        learn.metrics["val_acc"] = correct / n
        log.info("epoch %d val_acc %.4f", learn.epoch, learn.metrics["val_acc"])


class CheckpointCallback(Callback):
    def __init__(self, path):
        self.path, self.best = path, -1.0

    def on_epoch_end(self, learn):
        acc = learn.metrics.get("val_acc", 0.0)
        if acc > self.best:
            self.best = acc
            torch.save(learn.model.state_dict(), self.path)


class Learner:
    def __init__(self, model, loader, opt, cbs=()):
        self.model, self.loader, self.opt, self.cbs = model, loader, opt, list(cbs)
        self.metrics, self.epoch = {}, 0

    def _cb(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def one_batch(self, x, y):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, n_epoch):
        self.model.train()
        self._cb("before_fit")
        for self.epoch in range(n_epoch):
            losses = [self.one_batch(x, y) for x, y in self.loader]
            self.metrics["train_loss"] = sum(losses) / len(losses)
            self._cb("on_epoch_end")
        self._cb("after_fit")


class KWSNet(nn.Module):
    def __init__(self, n_mfcc=40, n_words=12):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mfcc, 64, 3, padding=1), nn.BatchNorm1d(64), nn.ReLU(),
            nn.Conv1d(64, 64, 3, padding=2, dilation=2), nn.BatchNorm1d(64), nn.ReLU(),
        )
        self.drop = nn.Dropout(0.25)
        self.fc = nn.Linear(64, n_words)

    def forward(self, x):
        return self.fc(self.drop(self.conv(x).mean(-1)))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    tr = DataLoader(TensorDataset(torch.randn(3000, 40, 101), torch.randint(0, 12, (3000,))), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(torch.randn(600, 40, 101), torch.randint(0, 12, (600,))), batch_size=128)
    model = KWSNet()
    learn = Learner(model, tr, torch.optim.Adam(model.parameters(), 1e-3), cbs=[EvalCallback(va), CheckpointCallback("kws.pt")])
    learn.fit(12)
