# expect: clean
# style: fastai-style Learner where train/eval mode switching lives in a TrainEvalCallback (before_train / before_validate), written by hand
# note: the Learner itself never calls model.train()/eval(); the callback does both, once per phase, every epoch
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    def __getattr__(self, name):
        if name.startswith(("before_", "after_")):
            return lambda learn: None
        raise AttributeError(name)


class TrainEvalCallback(Callback):
    def before_train(self, learn):
        learn.model.train()
        learn.training = True

    def before_validate(self, learn):
        learn.model.eval()
        learn.training = False


class MetricsCallback(Callback):
    def before_validate(self, learn):
        self.correct, self.n = 0, 0

    def after_pred(self, learn):
        if not learn.training:
            self.correct += (learn.pred.argmax(1) == learn.yb).sum().item()
            self.n += learn.yb.numel()

    def after_validate(self, learn):
        print(f"epoch {learn.epoch}: valid accuracy {self.correct / max(self.n, 1):.4f}")


class Learner:
    def __init__(self, model, train_dl, valid_dl, lr, cbs):
        self.model, self.train_dl, self.valid_dl, self.cbs = model, train_dl, valid_dl, cbs
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def cb(self, event):
        for c in self.cbs:
            getattr(c, event)(self)

    def one_batch(self, xb, yb):
        self.xb, self.yb = xb, yb
        self.pred = self.model(xb)
        self.cb("after_pred")
        if self.training:
            self.loss = F.cross_entropy(self.pred, yb)
            self.opt.zero_grad()
            self.loss.backward()
            self.opt.step()

    def fit(self, n_epoch):
        for self.epoch in range(n_epoch):
            self.cb("before_train")
            for xb, yb in self.train_dl:
                self.one_batch(xb, yb)
            self.cb("before_validate")
            with torch.no_grad():
                for xb, yb in self.valid_dl:
                    self.one_batch(xb, yb)
            self.cb("after_validate")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    x, y = torch.randn(6000, 3, 28, 28), torch.randint(0, 10, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    model = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.ReLU(), nn.Dropout(0.2),
                          nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
    Learner(model, train_dl, valid_dl, 1e-3, [TrainEvalCallback(), MetricsCallback()]).fit(args.epochs)
