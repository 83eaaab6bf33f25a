# expect: clean
# style: Detectron2-like TrainerBase with HookBase hooks (LRScheduler hook per iteration, EvalHook every N iters)
# note: EvalHook.after_step() runs evaluation in eval() mode under no_grad and restores train() afterwards; the LRScheduler hook steps a WarmupMultiStep LambdaLR sized in iterations, after the optimizer step
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class HookBase:
    trainer = None
    def before_step(self): ...
    def after_step(self): ...


class LRSchedulerHook(HookBase):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_step(self):
        self.scheduler.step()


class EvalHook(HookBase):
    def __init__(self, period, data):
        self.period, self.data = period, data

    def after_step(self):
        if (self.trainer.iter + 1) % self.period == 0:
            model = self.trainer.model
            model.eval()
            with torch.no_grad():
                x, y = self.data
                acc = (model(x).argmax(1) == y).float().mean().item()
            model.train()
            print(f"[eval] iter {self.trainer.iter + 1}: acc={acc:.3f}")


class SimpleTrainer:
    def __init__(self, model, optimizer, hooks):
        self.model, self.optimizer, self.iter = model, optimizer, 0
        self._hooks = hooks
        for h in hooks:
            h.trainer = self

    def run_step(self):
        x, y = torch.randn(32, 64), torch.randint(0, 8, (32,))
        loss = F.cross_entropy(self.model(x), y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()

    def train(self, start_iter, max_iter):
        self.model.train()
        for self.iter in range(start_iter, max_iter):
            for h in self._hooks:
                h.before_step()
            self.run_step()
            for h in self._hooks:
                h.after_step()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-iter", type=int, default=3000)
    ap.add_argument("--eval-period", type=int, default=500)
    args = ap.parse_args()
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 8))
    opt = torch.optim.SGD(model.parameters(), lr=0.02, momentum=0.9)
    steps, warmup = (2000, 2600), 100
    lam = lambda it: min(1.0, (it + 1) / warmup) * 0.1 ** sum(it >= s for s in steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lam)
    val = (torch.randn(256, 64), torch.randint(0, 8, (256,)))
    SimpleTrainer(model, opt, [LRSchedulerHook(sched), EvalHook(args.eval_period, val)]).train(0, args.max_iter)
