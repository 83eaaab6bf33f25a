# expect: TVL007
# style: detectron2-style LRScheduler hook wrapped around a plain training loop
# bug: the hook wraps a MultiStepLR whose milestones are in epochs ([8, 11]) but its after_step() runs every iteration
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LRSchedulerHook:
    def __init__(self, optimizer, scheduler):
        self._optimizer = optimizer
        self._scheduler = scheduler

    def after_step(self, storage):
        storage["lr"] = self._optimizer.param_groups[0]["lr"]
        self._scheduler.step()


class PeriodicWriter:
    def __init__(self, period=20):
        self.period = period

    def after_step(self, storage):
        if storage["iter"] % self.period == 0:
            print({k: round(v, 5) for k, v in storage.items()})


def build_model(num_classes):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.GroupNorm(8, 32), nn.ReLU(),
                         nn.Conv2d(32, 64, 3, 2, 1), nn.GroupNorm(8, 64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))


def do_train(model, loader, optimizer, hooks, epochs):
    storage = {"iter": 0}
    for epoch in range(epochs):
        model.train()
        for images, labels in loader:
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            storage["iter"] += 1
            storage["total_loss"] = loss.item()
            for h in hooks:
                h.after_step(storage)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-classes", type=int, default=80)
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--base-lr", type=float, default=0.02)
    args = parser.parse_args()
    model = build_model(args.num_classes)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.base_lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 11], gamma=0.1)
    ds = TensorDataset(torch.randn(320, 3, 64, 64), torch.randint(0, args.num_classes, (320,)))
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    hooks = [LRSchedulerHook(optimizer, scheduler), PeriodicWriter()]
    do_train(model, loader, optimizer, hooks, args.epochs)


if __name__ == "__main__":
    main()
