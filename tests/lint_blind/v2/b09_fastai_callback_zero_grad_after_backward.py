# expect: TVL003
# style: hand-written fastai-style Learner with callbacks
# bug: the Learner's callback event order calls opt.zero_grad() in after_backward, i.e. between backward() and step(), so step() sees zero gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    def __call__(self, name, learn):
        fn = getattr(self, name, None)
        if fn is not None:
            fn(learn)


class Recorder(Callback):
    def before_fit(self, learn):
        self.losses = []

    def after_batch(self, learn):
        self.losses.append(learn.loss.item())


class Learner:
    def __init__(self, model, dls, loss_func, lr=1e-3, cbs=()):
        self.model, self.dls, self.loss_func = model, dls, loss_func
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.cbs = list(cbs)

    def callback(self, name):
        for cb in self.cbs:
            cb(name, self)

    def after_backward(self):
        # "tidy up" right after computing grads
        self.opt.zero_grad()
        self.callback("after_backward")

    def one_batch(self, xb, yb):
        self.pred = self.model(xb)
        self.loss = self.loss_func(self.pred, yb)
        self.loss.backward()
        self.after_backward()
        self.opt.step()
        self.callback("after_batch")

    def fit(self, n_epoch):
        self.callback("before_fit")
        for epoch in range(n_epoch):
            self.model.train()
            for xb, yb in self.dls:
                self.one_batch(xb, yb)
            print(f"epoch {epoch} last loss {self.loss.item():.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(1000, 20), torch.randint(0, 4, (1000,)))
    dls = DataLoader(ds, batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 4))
    learn = Learner(model, dls, F.cross_entropy, lr=args.lr, cbs=[Recorder()])
    learn.fit(args.epochs)


if __name__ == "__main__":
    main()
