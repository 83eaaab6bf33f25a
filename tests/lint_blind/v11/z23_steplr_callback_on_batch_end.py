# expect: TVL007
# style: callback-based engine (fastai-like) with an LR callback registered from a config
# bug: the `LRSchedulerCallback` wraps a StepLR(step_size=10 epochs) but is hooked to `on_batch_end`, so the LR decays every 10 batches
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {"epochs": 30, "lr": 0.05, "lr_step_epochs": 10, "gamma": 0.1, "bs": 64}


class Callback:
    def on_train_begin(self, learner): pass
    def on_batch_end(self, learner): pass
    def on_epoch_end(self, learner): pass


class LRSchedulerCallback(Callback):
    def __init__(self, step_size, gamma):
        self.step_size, self.gamma = step_size, gamma
        self.sched = None

    def on_train_begin(self, learner):
        self.sched = torch.optim.lr_scheduler.StepLR(learner.opt, step_size=self.step_size, gamma=self.gamma)

    def on_batch_end(self, learner):
        self.sched.step()


class PrintCallback(Callback):
    def on_epoch_end(self, learner):
        print(f"epoch {learner.epoch} loss {learner.epoch_loss:.4f} lr {learner.opt.param_groups[0]['lr']:.2e}")


class Learner:
    def __init__(self, model, loader, lr, callbacks):
        self.model, self.loader = model, loader
        self.opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        self.cbs = callbacks
        self.epoch, self.epoch_loss = 0, 0.0

    def _cb(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    def fit(self, epochs):
        self._cb("on_train_begin")
        for self.epoch in range(epochs):
            self.model.train()
            tot = 0.0
            for xb, yb in self.loader:
                loss = F.cross_entropy(self.model(xb), yb)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                tot += loss.item()
                self._cb("on_batch_end")
            self.epoch_loss = tot / len(self.loader)
            self._cb("on_epoch_end")


def get_learner(cfg):
    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 16 * 16, 256), nn.ReLU(), nn.Linear(256, 10))
    ds = TensorDataset(torch.randn(3200, 3, 16, 16), torch.randint(0, 10, (3200,)))
    dl = DataLoader(ds, batch_size=cfg["bs"], shuffle=True)
    cbs = [LRSchedulerCallback(cfg["lr_step_epochs"], cfg["gamma"]), PrintCallback()]
    return Learner(model, dl, cfg["lr"], cbs)


if __name__ == "__main__":
    learn = get_learner(CONFIG)
    learn.fit(CONFIG["epochs"])
