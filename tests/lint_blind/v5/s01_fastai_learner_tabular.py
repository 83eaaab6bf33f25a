# expect: TVL001
# style: fastai v2 Learner with callbacks, written by hand (tabular classification)
# bug: Learner._do_pred runs the model under torch.no_grad(); its output is the only path to the loss backpropagated in _do_one_batch
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    order = 0
    def before_fit(self, learn): pass
    def after_batch(self, learn): pass
    def after_epoch(self, learn): pass


class Recorder(Callback):
    def before_fit(self, learn):
        self.losses = []

    def after_batch(self, learn):
        self.losses.append(learn.loss.item())

    def after_epoch(self, learn):
        n = max(len(self.losses), 1)
        print(f"epoch {learn.epoch}: train_loss={sum(self.losses) / n:.4f} valid_acc={learn.validate():.3f}")
        self.losses = []


class Learner:
    def __init__(self, dls, model, loss_func, lr=1e-3, cbs=()):
        self.train_dl, self.valid_dl = dls
        self.model, self.loss_func = model, loss_func
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-2)
        self.cbs = sorted(cbs, key=lambda c: c.order)

    def _cb(self, name):
        for cb in self.cbs:
            getattr(cb, name)(self)

    @torch.no_grad()
    def _do_pred(self, xb):
        return self.model(xb)

    def _do_one_batch(self, xb, yb):
        self.pred = self._do_pred(xb)
        self.loss = self.loss_func(self.pred, yb)
        self.loss.backward()
        self.opt.step()
        self.opt.zero_grad()
        self._cb("after_batch")

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        correct = total = 0
        for xb, yb in self.valid_dl:
            correct += (self.model(xb).argmax(1) == yb).sum().item()
            total += yb.numel()
        return correct / max(total, 1)

    def fit(self, n_epoch):
        self._cb("before_fit")
        for self.epoch in range(n_epoch):
            self.model.train()
            for xb, yb in self.train_dl:
                self._do_one_batch(xb, yb)
            self._cb("after_epoch")


def tabular_model(n_cont, n_out, layers=(200, 100), ps=0.1):
    mods, n_in = [nn.BatchNorm1d(n_cont)], n_cont
    for h in layers:
        mods += [nn.Linear(n_in, h), nn.ReLU(inplace=True), nn.BatchNorm1d(h), nn.Dropout(ps)]
        n_in = h
    return nn.Sequential(*mods, nn.Linear(n_in, n_out))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--bs", type=int, default=256)
    args = p.parse_args()
    x, y = torch.randn(8000, 14), torch.randint(0, 2, (8000,))
    train_dl = DataLoader(TensorDataset(x[:6400], y[:6400]), batch_size=args.bs, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x[6400:], y[6400:]), batch_size=args.bs * 2)
    learn = Learner((train_dl, valid_dl), tabular_model(14, 2), F.cross_entropy, cbs=[Recorder()])
    learn.fit(args.epochs)
