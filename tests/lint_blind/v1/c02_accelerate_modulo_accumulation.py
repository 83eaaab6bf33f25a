# expect: clean
# style: HF transformers run_clm_no_trainer.py (manual gradient_accumulation_steps modulo, linear warmup LambdaLR per update)
# note: backward every batch, step/scheduler/zero_grad only every N batches; LambdaLR is a per-step schedule, stepped after optimizer
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import LambdaLR
from torch.utils.data import DataLoader, TensorDataset


def parse_args():
    p = argparse.ArgumentParser(description="Causal LM finetuning without Trainer")
    p.add_argument("--learning_rate", type=float, default=5e-5)
    p.add_argument("--num_train_epochs", type=int, default=2)
    p.add_argument("--gradient_accumulation_steps", type=int, default=8)
    p.add_argument("--num_warmup_steps", type=int, default=20)
    p.add_argument("--per_device_train_batch_size", type=int, default=4)
    return p.parse_args()


class SmallCausalLM(nn.Module):
    def __init__(self, vocab=2048, dim=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.rnn = nn.GRU(dim, dim, batch_first=True)
        self.lm_head = nn.Linear(dim, vocab)

    def forward(self, input_ids, labels):
        logits = self.lm_head(self.rnn(self.emb(input_ids))[0])
        return F.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))


def main():
    args = parse_args()
    ids = torch.randint(0, 2048, (800, 65))
    train_dataloader = DataLoader(TensorDataset(ids), batch_size=args.per_device_train_batch_size, shuffle=True)
    model = SmallCausalLM()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    num_update_steps_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * num_update_steps_per_epoch
    lr_scheduler = LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / args.num_warmup_steps)
                            * max(0.0, (max_train_steps - s) / max_train_steps))
    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        total_loss = 0.0
        for step, (batch,) in enumerate(train_dataloader):
            loss = model(batch, labels=batch)
            total_loss += loss.detach().float()
            (loss / args.gradient_accumulation_steps).backward()
            if (step + 1) % args.gradient_accumulation_steps == 0 or step == len(train_dataloader) - 1:
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
                completed_steps += 1
        print(f"epoch {epoch}: train_loss {total_loss.item() / len(train_dataloader):.4f} steps {completed_steps}")


if __name__ == "__main__":
    main()
