# expect: TVL003
# style: detectron2-style SimpleTrainer with hooks (run_step split from the loop)
# bug: run_step() does backward() and step() but gradients are never cleared anywhere in the trainer
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("trainer")


class HookBase:
    def before_step(self):
        pass

    def after_step(self):
        pass


class IterationTimer(HookBase):
    def before_step(self):
        self.t0 = time.perf_counter()

    def after_step(self):
        self.last = time.perf_counter() - self.t0


class SimpleTrainer:
    def __init__(self, model, data_loader, optimizer, hooks=()):
        self.model = model
        self.data_loader = data_loader
        self._data_iter = iter(data_loader)
        self.optimizer = optimizer
        self.hooks = list(hooks)

    def _next_batch(self):
        try:
            return next(self._data_iter)
        except StopIteration:
            self._data_iter = iter(self.data_loader)
            return next(self._data_iter)

    def run_step(self):
        images, labels = self._next_batch()
        loss_dict = {"loss_cls": F.cross_entropy(self.model(images), labels)}
        losses = sum(loss_dict.values())
        losses.backward()
        self.optimizer.step()
        return {k: v.item() for k, v in loss_dict.items()}

    def train(self, start_iter, max_iter):
        self.model.train()
        for self.iter in range(start_iter, max_iter):
            for h in self.hooks:
                h.before_step()
            metrics = self.run_step()
            for h in self.hooks:
                h.after_step()
            if self.iter % 20 == 0:
                logger.info("iter %d %s", self.iter, metrics)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-iter", type=int, default=1000)
    parser.add_argument("--base-lr", type=float, default=0.02)
    args = parser.parse_args()
    model = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    ds = TensorDataset(torch.randn(256, 3, 64, 64), torch.randint(0, 10, (256,)))
    loader = DataLoader(ds, batch_size=16, shuffle=True, drop_last=True)
    opt = torch.optim.SGD(model.parameters(), lr=args.base_lr, momentum=0.9)
    SimpleTrainer(model, loader, opt, hooks=[IterationTimer()]).train(0, args.max_iter)


if __name__ == "__main__":
    main()
