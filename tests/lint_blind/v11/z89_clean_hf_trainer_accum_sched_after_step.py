# expect: clean
# style: hand-written HF-like Trainer with a callback list, grad accumulation, scheduler stepped per optimizer step
# note: the per-batch LambdaLR step looks like an epoch-scheduler misuse and zero_grad is only in a callback, but the schedule is defined in optimizer steps, runs after optimizer.step(), and `on_step_end` zeroes gradients after each step
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TrainerCallback:
    def on_step_end(self, trainer): pass
    def on_epoch_end(self, trainer): pass


class ZeroGradCallback(TrainerCallback):
    def on_step_end(self, trainer):
        trainer.optimizer.zero_grad(set_to_none=True)


class LogCallback(TrainerCallback):
    def on_step_end(self, trainer):
        if trainer.global_step % 20 == 0:
            print(f"step {trainer.global_step} loss {trainer.last_loss:.4f} lr {trainer.scheduler.get_last_lr()[0]:.2e}")


class SummarizerLite(nn.Module):
    def __init__(self, vocab=4000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.GRU(d, d, batch_first=True)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.lm = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.emb(src))
        out, _ = self.dec(self.emb(tgt_in), h)
        return self.lm(out)


class Trainer:
    def __init__(self, model, dataset, epochs=3, bs=16, accum=4, lr=1e-3, warmup_steps=30):
        self.model = model
        self.loader = DataLoader(dataset, batch_size=bs, shuffle=True)
        self.epochs, self.accum = epochs, accum
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        total = math.ceil(len(self.loader) / accum) * epochs
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda s: min((s + 1) / warmup_steps, max(0.0, (total - s) / (total - warmup_steps))))
        self.callbacks = [ZeroGradCallback(), LogCallback()]
        self.global_step, self.last_loss = 0, 0.0

    def _fire(self, event):
        for cb in self.callbacks:
            getattr(cb, event)(self)

    def train(self):
        self.optimizer.zero_grad(set_to_none=True)
        for ep in range(self.epochs):
            self.model.train()
            for i, (src, tgt) in enumerate(self.loader):
                logits = self.model(src, tgt[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=0)
                (loss / self.accum).backward()
                self.last_loss = loss.item()
                if (i + 1) % self.accum == 0:
                    nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                    self.optimizer.step()
                    self.scheduler.step()
                    self.global_step += 1
                    self._fire("on_step_end")
            self._fire("on_epoch_end")


if __name__ == "__main__":
    src = torch.randint(1, 4000, (1200, 80))
    tgt = torch.randint(1, 4000, (1200, 20))
    Trainer(SummarizerLite(), TensorDataset(src, tgt)).train()
