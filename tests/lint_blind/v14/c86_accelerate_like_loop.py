# expect: clean
# style: HF accelerate-style training script (Accelerator shim, get_scheduler-like helper), causal LM fine-tuning with gradient accumulation
# note: zero_grad is called after the step (HF order), loss.backward goes through accelerator.backward, the scheduler is an iteration-based linear warmup/decay stepped after optimizer.step, and logging uses loss.detach().float() accumulated into a Python float
import argparse
import contextlib
import logging
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class Accelerator:
    def __init__(self, gradient_accumulation_steps=1):
        self.gas = gradient_accumulation_steps
        self.step = 0
        self.device = torch.device("cpu")

    @property
    def sync_gradients(self):
        return self.step % self.gas == 0

    @contextlib.contextmanager
    def accumulate(self, model):
        self.step += 1
        yield

    def backward(self, loss):
        (loss / self.gas).backward()

    def clip_grad_norm_(self, params, max_norm):
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def prepare(self, *args):
        return args


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(step):
        if step < num_warmup_steps:
            return step / max(1, num_warmup_steps)
        return max(0.0, (num_training_steps - step) / max(1, num_training_steps - num_warmup_steps))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


class PackedText(Dataset):
    def __init__(self, n_blocks, block=128, vocab=5000, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.data = torch.randint(0, vocab, (n_blocks, block + 1), generator=g)

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return {"input_ids": self.data[i, :-1], "labels": self.data[i, 1:]}


class GRULM(nn.Module):
    def __init__(self, vocab=5000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.GRU(d, d, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(d, vocab)

    def forward(self, input_ids, labels=None):
        h, _ = self.rnn(self.emb(input_ids))
        logits = self.head(h)
        loss = None if labels is None else F.cross_entropy(logits.flatten(0, 1), labels.flatten())
        return logits, loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_train_epochs", type=int, default=3)
    ap.add_argument("--gradient_accumulation_steps", type=int, default=4)
    ap.add_argument("--learning_rate", type=float, default=1e-3)
    ap.add_argument("--num_warmup_steps", type=int, default=50)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    accelerator = Accelerator(args.gradient_accumulation_steps)
    train_dataloader = DataLoader(PackedText(4000), batch_size=16, shuffle=True)
    eval_dataloader = DataLoader(PackedText(200, seed=1), batch_size=50)
    model = GRULM()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    updates_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * updates_per_epoch
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, args.num_warmup_steps, max_train_steps)
    model, optimizer, train_dataloader, lr_scheduler = accelerator.prepare(model, optimizer, train_dataloader, lr_scheduler)

    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        total_loss = 0.0
        for step, batch in enumerate(train_dataloader):
            with accelerator.accumulate(model):
                _, loss = model(**batch)
                total_loss += loss.detach().float().item()
                accelerator.backward(loss)
                if accelerator.sync_gradients:
                    accelerator.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    lr_scheduler.step()
                    optimizer.zero_grad()
                    completed_steps += 1
        model.eval()
        losses = []
        with torch.no_grad():
            for batch in eval_dataloader:
                losses.append(model(**batch)[1].item())
        ppl = math.exp(sum(losses) / len(losses))
        logger.info("epoch %d: train_loss %.4f perplexity %.2f steps %d", epoch, total_loss / len(train_dataloader),
                    ppl, completed_steps)


if __name__ == "__main__":
    main()
