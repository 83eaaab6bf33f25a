# expect: TVL004
# style: Detectron2 HookBase / SimpleTrainer with a periodic EvalHook
# bug: EvalHook.after_step puts the model in eval() and never restores train(); SimpleTrainer.run_step never calls model.train(), so training continues in eval mode after the first evaluation
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("d2like")


class HookBase:
    trainer = None

    def before_step(self):
        pass

    def after_step(self):
        pass


class EvalHook(HookBase):
    def __init__(self, period, eval_loader):
        self._period = period
        self._loader = eval_loader

    def after_step(self):
        it = self.trainer.iter + 1
        if it % self._period != 0:
            return
        model = self.trainer.model
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for x, y in self._loader:
                correct += (model(x).argmax(1) == y).sum().item()
                total += y.numel()
        logger.info("iter %d: eval acc %.4f", it, correct / max(total, 1))


class SimpleTrainer:
    def __init__(self, model, data_loader, optimizer):
        model.train()
        self.model, self.data_loader, self.optimizer = model, data_loader, optimizer
        self._data_iter = iter(data_loader)
        self._hooks = []
        self.iter = 0

    def register_hooks(self, hooks):
        for h in hooks:
            h.trainer = self
            self._hooks.append(h)

    def run_step(self):
        try:
            x, y = next(self._data_iter)
        except StopIteration:
            self._data_iter = iter(self.data_loader)
            x, y = next(self._data_iter)
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self, start_iter, max_iter):
        for self.iter in range(start_iter, max_iter):
            for h in self._hooks:
                h.before_step()
            self.run_step()
            for h in self._hooks:
                h.after_step()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iter", type=int, default=2000)
    ap.add_argument("--eval-period", type=int, default=500)
    args = ap.parse_args()
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.Dropout(0.3),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    train_dl = DataLoader(TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,))), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,))), batch_size=64)
    trainer = SimpleTrainer(model, train_dl, torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9))
    trainer.register_hooks([EvalHook(args.eval_period, val_dl)])
    trainer.train(0, args.max_iter)
