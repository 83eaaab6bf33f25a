# expect: clean
# style: fast.ai-style fit_one_cycle written in plain PyTorch (OneCycleLR sized with steps_per_epoch)
# note: OneCycleLR is an iteration-level schedule, built with epochs*steps_per_epoch and correctly stepped once per batch after optimizer.step()
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def conv_bn(ci, co):
    return nn.Sequential(nn.Conv2d(ci, co, 3, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU(inplace=True))


class ResNet9(nn.Module):
    def __init__(self, n_cls=10):
        super().__init__()
        self.prep = conv_bn(3, 64)
        self.layer1 = nn.Sequential(conv_bn(64, 128), nn.MaxPool2d(2))
        self.res1 = nn.Sequential(conv_bn(128, 128), conv_bn(128, 128))
        self.layer2 = nn.Sequential(conv_bn(128, 256), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(256, n_cls))

    def forward(self, x):
        x = self.layer1(self.prep(x))
        x = x + self.res1(x)
        return self.classifier(self.layer2(x))


def fit_one_cycle(epochs, max_lr, model, train_loader, weight_decay=1e-4, grad_clip=0.1):
    optimizer = torch.optim.Adam(model.parameters(), max_lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr, epochs=epochs, steps_per_epoch=len(train_loader))
    history = []
    for epoch in range(epochs):
        model.train()
        train_losses, lrs = [], []
        for images, labels in train_loader:
            loss = nn.functional.cross_entropy(model(images), labels)
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), grad_clip)
            optimizer.step()
            optimizer.zero_grad()
            sched.step()
            lrs.append(sched.get_last_lr()[0])
            train_losses.append(loss.item())
        history.append({"train_loss": sum(train_losses) / len(train_losses), "last_lr": lrs[-1]})
        print(f"Epoch [{epoch}] {history[-1]}")
    return history


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--max-lr", type=float, default=0.01)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
    fit_one_cycle(args.epochs, args.max_lr, ResNet9(), DataLoader(ds, batch_size=100, shuffle=True))
