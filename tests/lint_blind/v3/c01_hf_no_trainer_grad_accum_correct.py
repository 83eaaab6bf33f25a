# expect: clean
# style: HF run_clm_no_trainer.py (gradient accumulation, linear warmup scheduler stepped per optimizer update)
# note: loss is divided by accumulation steps; step/scheduler/zero_grad all happen together only on accumulation boundaries — correct accumulation
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup


class TinyCLM(nn.Module):
    def __init__(self, vocab=8192, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.GRU(d, d, batch_first=True)
        self.lm_head = nn.Linear(d, vocab)

    def forward(self, input_ids, labels):
        h, _ = self.rnn(self.emb(input_ids))
        logits = self.lm_head(h)
        loss = nn.functional.cross_entropy(logits[:, :-1].reshape(-1, logits.size(-1)), labels[:, 1:].reshape(-1))
        return loss, logits


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--per_device_train_batch_size", type=int, default=8)
    parser.add_argument("--gradient_accumulation_steps", type=int, default=8)
    parser.add_argument("--num_train_epochs", type=int, default=2)
    parser.add_argument("--learning_rate", type=float, default=5e-4)
    parser.add_argument("--num_warmup_steps", type=int, default=50)
    args = parser.parse_args()
    data = torch.randint(0, 8192, (4096, 128))
    train_dataloader = DataLoader(TensorDataset(data), shuffle=True, batch_size=args.per_device_train_batch_size)
    model = TinyCLM()
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    num_update_steps_per_epoch = math.ceil(len(train_dataloader) / args.gradient_accumulation_steps)
    max_train_steps = args.num_train_epochs * num_update_steps_per_epoch
    lr_scheduler = get_linear_schedule_with_warmup(optimizer, args.num_warmup_steps, max_train_steps)
    progress_bar = tqdm(range(max_train_steps))
    optimizer.zero_grad()
    for epoch in range(args.num_train_epochs):
        model.train()
        total_loss = 0.0
        for step, (batch,) in enumerate(train_dataloader):
            loss, _ = model(batch, labels=batch)
            total_loss += loss.detach().float().item()
            (loss / args.gradient_accumulation_steps).backward()
            if (step + 1) % args.gradient_accumulation_steps == 0 or step == len(train_dataloader) - 1:
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                optimizer.step()
                lr_scheduler.step()
                optimizer.zero_grad()
                progress_bar.update(1)
        print(f"epoch {epoch}: train_loss {total_loss / len(train_dataloader):.4f} perplexity {math.exp(total_loss / len(train_dataloader)):.2f}")


if __name__ == "__main__":
    main()
