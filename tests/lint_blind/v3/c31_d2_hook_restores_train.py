# expect: clean
# style: Detectron2 HookBase + TrainerBase with an EvalHook and an LRScheduler hook (per-iteration WarmupMultiStepLR-like schedule via LambdaLR)
# note: EvalHook restores model.train() after evaluating; the LambdaLR is defined in iterations and stepped by a hook after each optimizer step
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class HookBase:
    trainer = None

    def after_step(self):
        pass


class LRSchedulerHook(HookBase):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_step(self):
        self.scheduler.step()


class EvalHook(HookBase):
    def __init__(self, period, loader):
        self.period, self.loader = period, loader

    def after_step(self):
        if (self.trainer.iter + 1) % self.period:
            return
        model = self.trainer.model
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in self.loader) / len(self.loader.dataset)
        print(f"iter {self.trainer.iter + 1}: eval acc {acc:.4f}")
        model.train()


class SimpleTrainer:
    def __init__(self, model, loader, optimizer, hooks):
        self.model, self.loader, self.optimizer = model, loader, optimizer
        self.hooks = hooks
        for h in hooks:
            h.trainer = self
        self._it = iter(loader)

    def run_step(self):
        try:
            x, y = next(self._it)
        except StopIteration:
            self._it = iter(self.loader)
            x, y = next(self._it)
        loss = nn.functional.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self, max_iter):
        self.model.train()
        for self.iter in range(max_iter):
            self.run_step()
            for h in self.hooks:
                h.after_step()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iter", type=int, default=3000)
    ap.add_argument("--warmup-iters", type=int, default=200)
    ap.add_argument("--steps", type=int, nargs="+", default=[2000, 2600])
    args = ap.parse_args()
    model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    lr_lambda = lambda it: min(1.0, (it + 1) / args.warmup_iters) * (0.1 ** sum(it >= s for s in args.steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    train_dl = DataLoader(TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 10, (1024,))), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.randn(256, 3, 32, 32), torch.randint(0, 10, (256,))), batch_size=128)
    SimpleTrainer(model, train_dl, opt, [LRSchedulerHook(sched), EvalHook(500, val_dl)]).train(args.max_iter)
