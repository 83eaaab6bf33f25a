# expect: TVL016
# style: Hugging Face run_*_no_trainer-like token classification loop done by hand with torch.amp (no accelerate), small BiGRU encoder
# bug: clip_grad_norm_ is called before scaler.unscale_(optimizer), so the clipping threshold is applied to scaled gradients
import argparse
import math
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TokenClassifier(nn.Module):
    def __init__(self, vocab, n_labels, dim=256):
        super().__init__()
        self.embeddings = nn.Embedding(vocab, dim, padding_idx=0)
        self.encoder = nn.GRU(dim, dim // 2, num_layers=2, bidirectional=True, batch_first=True)
        self.dropout = nn.Dropout(0.1)
        self.classifier = nn.Linear(dim, n_labels)

    def forward(self, input_ids):
        h, _ = self.encoder(self.embeddings(input_ids))
        return self.classifier(self.dropout(h))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--per_device_train_batch_size", type=int, default=16)
    p.add_argument("--learning_rate", type=float, default=3e-4)
    p.add_argument("--num_train_epochs", type=int, default=3)
    p.add_argument("--max_grad_norm", type=float, default=1.0)
    p.add_argument("--num_warmup_steps", type=int, default=100)
    return p.parse_args()


def main():
    args = parse_args()
    device = torch.device("cuda")
    ids = torch.randint(1, 20000, (4000, 64))
    labels = torch.randint(0, 9, (4000, 64))
    train_dataloader = DataLoader(TensorDataset(ids, labels), batch_size=args.per_device_train_batch_size,
                                  shuffle=True)
    model = TokenClassifier(20000, 9).to(device)
    no_decay = ["bias", "LayerNorm.weight"]
    groups = [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)], "weight_decay": 0.01},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)], "weight_decay": 0.0},
    ]
    optimizer = torch.optim.AdamW(groups, lr=args.learning_rate)
    max_train_steps = args.num_train_epochs * len(train_dataloader)
    lr_lambda = lambda s: min((s + 1) / args.num_warmup_steps,
                              0.5 * (1 + math.cos(math.pi * s / max_train_steps)))
    lr_scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)
    scaler = torch.amp.GradScaler("cuda")

    completed_steps = 0
    for epoch in range(args.num_train_epochs):
        model.train()
        for step, (input_ids, label_ids) in enumerate(train_dataloader):
            input_ids, label_ids = input_ids.to(device), label_ids.to(device)
            with torch.autocast(device_type="cuda", dtype=torch.bfloat16):
                logits = model(input_ids)
                loss = F.cross_entropy(logits.view(-1, 9), label_ids.view(-1))
            scaler.scale(loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            scaler.unscale_(optimizer)
            scaler.step(optimizer)
            scaler.update()
            lr_scheduler.step()
            optimizer.zero_grad()
            completed_steps += 1
            if completed_steps % 50 == 0:
                print(f"epoch {epoch} step {completed_steps}/{max_train_steps} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
