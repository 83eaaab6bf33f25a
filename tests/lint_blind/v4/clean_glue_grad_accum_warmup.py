# expect: clean
# style: HF run_glue_no_trainer.py (gradient accumulation + linear warmup schedule, written without accelerate)
# note: zero_grad/step/scheduler.step all happen together once every gradient_accumulation_steps; the warmup scheduler is per optimizer step by design
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps, num_training_steps):
    def lr_lambda(current_step):
        if current_step < num_warmup_steps:
            return float(current_step) / float(max(1, num_warmup_steps))
        return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)


class SeqClassifier(nn.Module):
    def __init__(self, vocab=30522, hidden=256, num_labels=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, hidden)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(hidden, 4, 1024, batch_first=True), 2)
        self.head = nn.Linear(hidden, num_labels)

    def forward(self, input_ids, attention_mask):
        h = self.enc(self.emb(input_ids), src_key_padding_mask=~attention_mask.bool())
        return self.head(h[:, 0])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--gradient_accumulation_steps", type=int, default=4)
    p.add_argument("--num_train_epochs", type=int, default=3)
    p.add_argument("--num_warmup_steps", type=int, default=100)
    p.add_argument("--learning_rate", type=float, default=5e-5)
    args = p.parse_args()
    ids = torch.randint(1, 30522, (1600, 64))
    mask = torch.ones_like(ids)
    ds = TensorDataset(ids, mask, torch.randint(0, 3, (1600,)))
    train_dataloader = DataLoader(ds, shuffle=True, batch_size=8)
    model = SeqClassifier()
    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.learning_rate)
    updates_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * updates_per_epoch
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, args.num_warmup_steps, max_train_steps)
    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (input_ids, attention_mask, labels) in enumerate(train_dataloader):
            loss = F.cross_entropy(model(input_ids, attention_mask), labels)
            (loss / args.gradient_accumulation_steps).backward()
            if (step + 1) % args.gradient_accumulation_steps == 0 or step == len(train_dataloader) - 1:
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
                completed_steps += 1
        print(f"epoch {epoch}: completed_steps={completed_steps} last_loss={loss.item():.4f}")


if __name__ == "__main__":
    main()
