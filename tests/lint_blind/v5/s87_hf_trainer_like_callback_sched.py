# expect: clean
# style: hand-written Trainer with a TrainerCallback-like event system (on_step_end) and a create_scheduler() factory using transformers' get_cosine_schedule_with_warmup
# note: the cosine-with-warmup schedule is defined in optimizer steps (num_training_steps) and stepped by the callback in on_step_end, which fires right after optimizer.step()
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from transformers import get_cosine_schedule_with_warmup


class TrainerCallback:
    def on_step_end(self, trainer): pass
    def on_epoch_end(self, trainer): pass


class SchedulerCallback(TrainerCallback):
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def on_step_end(self, trainer):
        self.scheduler.step()


class LoggingCallback(TrainerCallback):
    def on_epoch_end(self, trainer):
        print(f"epoch {trainer.epoch}: loss {trainer.last_loss:.4f} lr {trainer.optimizer.param_groups[0]['lr']:.2e}")


def create_optimizer(model, lr, wd):
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    return torch.optim.AdamW([{"params": decay, "weight_decay": wd}, {"params": no_decay, "weight_decay": 0.0}], lr=lr)


def create_scheduler(optimizer, num_training_steps, warmup_ratio):
    return get_cosine_schedule_with_warmup(optimizer, int(warmup_ratio * num_training_steps), num_training_steps)


class Trainer:
    def __init__(self, model, optimizer, train_dl, callbacks):
        self.model, self.optimizer, self.train_dl, self.callbacks = model, optimizer, train_dl, callbacks

    def _fire(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def train(self, epochs):
        for self.epoch in range(epochs):
            self.model.train()
            for x, y in self.train_dl:
                loss = F.cross_entropy(self.model(x), y)
                self.optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                self.optimizer.step()
                self.last_loss = loss.item()
                self._fire("on_step_end")
            self._fire("on_epoch_end")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--warmup_ratio", type=float, default=0.1)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(8000, 48), torch.randint(0, 6, (8000,)))
    train_dl = DataLoader(ds, batch_size=64, shuffle=True)
    model = nn.Sequential(nn.Linear(48, 256), nn.GELU(), nn.LayerNorm(256), nn.Linear(256, 6))
    optimizer = create_optimizer(model, args.lr, 0.01)
    scheduler = create_scheduler(optimizer, args.epochs * len(train_dl), args.warmup_ratio)
    Trainer(model, optimizer, train_dl, [SchedulerCallback(scheduler), LoggingCallback()]).train(args.epochs)
