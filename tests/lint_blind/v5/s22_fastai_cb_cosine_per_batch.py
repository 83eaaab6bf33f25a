# expect: TVL007
# style: fastai-style callback system written by hand (ParamScheduler-like callback), image classification
# bug: the CosineAnnealingLR is built with T_max = number of epochs but LRSchedulerCallback steps it in after_batch, so the cosine cycle finishes after a few batches and then oscillates
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Callback:
    def before_fit(self, learn): pass
    def after_batch(self, learn): pass
    def after_epoch(self, learn): pass


class LRSchedulerCallback(Callback):
    def __init__(self, sched_fn):
        self.sched_fn = sched_fn

    def before_fit(self, learn):
        self.sched = self.sched_fn(learn.opt, learn.n_epoch)

    def after_batch(self, learn):
        self.sched.step()


class ProgressCallback(Callback):
    def after_epoch(self, learn):
        print(f"epoch {learn.epoch} loss {learn.smooth_loss:.4f} lr {learn.opt.param_groups[0]['lr']:.2e}")


class Learner:
    def __init__(self, model, dl, lr, cbs):
        self.model, self.dl, self.cbs = model, dl, cbs
        self.opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
        self.smooth_loss = 0.0

    def __call__(self, event):
        for cb in self.cbs:
            getattr(cb, event)(self)

    def one_batch(self, xb, yb):
        self.loss = F.cross_entropy(self.model(xb), yb)
        self.loss.backward()
        self.opt.step()
        self.opt.zero_grad()
        self.smooth_loss = 0.98 * self.smooth_loss + 0.02 * self.loss.item()

    def fit(self, n_epoch):
        self.n_epoch = n_epoch
        self("before_fit")
        for self.epoch in range(n_epoch):
            self.model.train()
            for xb, yb in self.dl:
                self.one_batch(xb, yb)
                self("after_batch")
            self("after_epoch")


def resnetish(n_classes=10):
    def conv_bn(ci, co, s=1):
        return nn.Sequential(nn.Conv2d(ci, co, 3, s, 1, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True))
    return nn.Sequential(conv_bn(3, 64), conv_bn(64, 128, 2), conv_bn(128, 256, 2), conv_bn(256, 512, 2),
                         nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(512, n_classes))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
    dl = DataLoader(ds, batch_size=128, shuffle=True, num_workers=4)
    cos = lambda opt, n_epoch: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n_epoch, eta_min=1e-4)
    learn = Learner(resnetish(), dl, args.lr, [LRSchedulerCallback(cos), ProgressCallback()])
    learn.fit(args.epochs)
