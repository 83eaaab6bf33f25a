# expect: TVL003
# style: hand-written HF-like Trainer class for text classification, grad accumulation
# bug: `_optimizer_step` steps and advances the scheduler but gradients are never cleared anywhere, so they accumulate across all steps
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BagOfEmbeddings(nn.Module):
    def __init__(self, vocab, dim, n_cls):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean")
        self.cls = nn.Linear(dim, n_cls)

    def forward(self, input_ids):
        return self.cls(self.emb(input_ids))


class TrainingArguments:
    def __init__(self, lr=5e-4, epochs=3, bs=32, grad_accum=4, warmup_ratio=0.1):
        self.lr, self.epochs, self.bs = lr, epochs, bs
        self.grad_accum, self.warmup_ratio = grad_accum, warmup_ratio


class Trainer:
    def __init__(self, model, args, train_ds):
        self.model, self.args = model, args
        self.loader = DataLoader(train_ds, batch_size=args.bs, shuffle=True)
        self.opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
        total = math.ceil(len(self.loader) / args.grad_accum) * args.epochs
        warm = int(total * args.warmup_ratio)
        self.sched = torch.optim.lr_scheduler.LambdaLR(
            self.opt, lambda s: min(1.0, (s + 1) / max(1, warm)) * max(0.0, (total - s) / max(1, total - warm)))
        self.global_step = 0

    def compute_loss(self, batch):
        ids, labels = batch
        return F.cross_entropy(self.model(ids), labels)

    def _optimizer_step(self):
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.global_step += 1

    def train(self):
        for epoch in range(self.args.epochs):
            self.model.train()
            tr_loss = 0.0
            for i, batch in enumerate(self.loader):
                loss = self.compute_loss(batch) / self.args.grad_accum
                loss.backward()
                tr_loss += loss.item()
                if (i + 1) % self.args.grad_accum == 0:
                    self._optimizer_step()
                    if self.global_step % 20 == 0:
                        print(f"step {self.global_step} loss {tr_loss:.4f} lr {self.sched.get_last_lr()[0]:.2e}")
                    tr_loss = 0.0


if __name__ == "__main__":
    ids = torch.randint(0, 5000, (1024, 48))
    labels = torch.randint(0, 4, (1024,))
    Trainer(BagOfEmbeddings(5000, 128, 4), TrainingArguments(), TensorDataset(ids, labels)).train()
