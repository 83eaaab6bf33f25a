# expect: clean
# style: Hugging Face run_glue_no_trainer-like loop written by hand (no accelerate), gradient accumulation + get_linear_schedule_with_warmup
# note: loss is divided by the accumulation steps; optimizer.step(), lr_scheduler.step() and zero_grad() run together once per accumulation cycle, and the scheduler length counts optimizer updates
import argparse
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from transformers import get_linear_schedule_with_warmup


class PairClassifier(nn.Module):
    def __init__(self, vocab=30522, dim=256, n_labels=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(dim, 4, 4 * dim, batch_first=True), 2)
        self.head = nn.Linear(dim, n_labels)

    def forward(self, input_ids, attention_mask):
        h = self.enc(self.emb(input_ids), src_key_padding_mask=attention_mask == 0)
        m = attention_mask.unsqueeze(-1).float()
        return self.head((h * m).sum(1) / m.sum(1).clamp(min=1))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--per_device_train_batch_size", type=int, default=8)
    p.add_argument("--gradient_accumulation_steps", type=int, default=4)
    p.add_argument("--learning_rate", type=float, default=5e-5)
    p.add_argument("--num_train_epochs", type=int, default=3)
    p.add_argument("--warmup_ratio", type=float, default=0.06)
    return p.parse_args()


def main():
    args = parse_args()
    ids = torch.randint(1, 30522, (3000, 128))
    lens = torch.randint(16, 129, (3000,))
    mask = (torch.arange(128)[None, :] < lens[:, None]).long()
    labels = torch.randint(0, 3, (3000,))
    train_dataloader = DataLoader(TensorDataset(ids * mask, mask, labels), shuffle=True,
                                  batch_size=args.per_device_train_batch_size)
    model = PairClassifier()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=0.01)
    updates_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * updates_per_epoch
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, int(args.warmup_ratio * max_train_steps),
                                                   max_train_steps)
    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        optimizer.zero_grad()
        for step, (input_ids, attention_mask, y) in enumerate(train_dataloader):
            loss = F.cross_entropy(model(input_ids, attention_mask), y)
            (loss / args.gradient_accumulation_steps).backward()
            last_batch = step == len(train_dataloader) - 1
            if (step + 1) % args.gradient_accumulation_steps == 0 or last_batch:
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
                completed_steps += 1
                if completed_steps % 20 == 0:
                    print(f"epoch {epoch} step {completed_steps}/{max_train_steps} loss {loss.item():.4f} "
                          f"lr {lr_scheduler.get_last_lr()[0]:.2e}")


if __name__ == "__main__":
    main()
