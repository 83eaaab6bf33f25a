# expect: clean
# style: fastai-style fit_one_cycle written by hand (OneCycleLR stepped per batch after optimizer.step)
# note: OneCycleLR is a per-iteration scheduler (total_steps = epochs * len(loader)), stepped after optimizer.step()
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_block(ci, co):
    return nn.Sequential(nn.Conv2d(ci, co, 3, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True))


class ResNet9(nn.Module):
    def __init__(self, n_cls=10):
        super().__init__()
        self.prep = conv_block(3, 64)
        self.layer1 = nn.Sequential(conv_block(64, 128), nn.MaxPool2d(2))
        self.res1 = nn.Sequential(conv_block(128, 128), conv_block(128, 128))
        self.layer2 = nn.Sequential(conv_block(128, 256), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(256, n_cls))

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        return self.classifier(self.layer2(x))


def fit_one_cycle(model, loader, epochs, max_lr, wd=5e-4, grad_clip=0.1):
    opt = torch.optim.Adam(model.parameters(), lr=max_lr, weight_decay=wd)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr, epochs=epochs, steps_per_epoch=len(loader))
    history = []
    for epoch in range(epochs):
        model.train()
        lrs = []
        for xb, yb in loader:
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), grad_clip)
            opt.step()
            opt.zero_grad()
            lrs.append(opt.param_groups[0]["lr"])
            sched.step()
        history.append({"epoch": epoch, "last_loss": loss.item(), "max_lr_seen": max(lrs)})
        print(history[-1])
    return history


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max_lr", type=float, default=0.01)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    fit_one_cycle(ResNet9(), DataLoader(ds, batch_size=64, shuffle=True, num_workers=2), args.epochs, args.max_lr)


if __name__ == "__main__":
    main()
