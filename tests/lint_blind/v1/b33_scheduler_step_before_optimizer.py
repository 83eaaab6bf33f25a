# expect: TVL007
# style: HF transformers run_glue_no_trainer.py-like loop (linear warmup schedule stepped per update)
# bug: lr_scheduler.step() is called before optimizer.step() in every iteration
import argparse
import math

import torch
import torch.nn as nn
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader, TensorDataset


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return LambdaLR(optimizer, lr_lambda)


class PairClassifier(nn.Module):
    def __init__(self, vocab=8000, dim=128, num_labels=2):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim)
        self.cls = nn.Sequential(nn.Linear(2 * dim, dim), nn.Tanh(), nn.Linear(dim, num_labels))

    def forward(self, a, b):
        return self.cls(torch.cat([self.emb(a), self.emb(b)], dim=-1))


def parse_args():
    p = argparse.ArgumentParser(description="Finetune on a GLUE-like pair task")
    p.add_argument("--learning_rate", type=float, default=5e-5)
    p.add_argument("--num_train_epochs", type=int, default=3)
    p.add_argument("--per_device_train_batch_size", type=int, default=32)
    p.add_argument("--num_warmup_steps", type=int, default=50)
    return p.parse_args()


def main():
    args = parse_args()
    a, b = torch.randint(0, 8000, (3200, 24)), torch.randint(0, 8000, (3200, 24))
    labels = torch.randint(0, 2, (3200,))
    train_dataloader = DataLoader(TensorDataset(a, b, labels), batch_size=args.per_device_train_batch_size, shuffle=True)
    model = PairClassifier()
    no_decay = ["bias"]
    grouped = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(grouped, lr=args.learning_rate)
    max_train_steps = args.num_train_epochs * math.ceil(len(train_dataloader))
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, args.num_warmup_steps, max_train_steps)

    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (x1, x2, y) in enumerate(train_dataloader):
            loss = nn.functional.cross_entropy(model(x1, x2), y)
            loss.backward()
            lr_scheduler.step()
            optimizer.step()
            optimizer.zero_grad()
            completed_steps += 1
            if completed_steps % 50 == 0:
                print(f"epoch {epoch} step {completed_steps}: loss {loss.item():.4f} lr {lr_scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    main()
