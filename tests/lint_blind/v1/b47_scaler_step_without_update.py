# expect: TVL016
# style: HF run_*_no_trainer-like loop with native torch.cuda.amp (GradScaler added by hand)
# bug: scaler.step(optimizer) is called but scaler.update() never is, so the loss scale never adapts after inf/nan steps
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TokenClassifier(nn.Module):
    def __init__(self, vocab=10000, dim=256, num_labels=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim)
        self.encoder = nn.LSTM(dim, dim // 2, batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(dim, num_labels)

    def forward(self, input_ids):
        h, _ = self.encoder(self.emb(input_ids))
        return self.classifier(h)


def parse_args():
    parser = argparse.ArgumentParser(description="NER finetuning with AMP")
    parser.add_argument("--learning_rate", type=float, default=3e-4)
    parser.add_argument("--num_train_epochs", type=int, default=3)
    parser.add_argument("--per_device_train_batch_size", type=int, default=16)
    parser.add_argument("--fp16", action="store_true")
    return parser.parse_args()


def main():
    args = parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    ids = torch.randint(0, 10000, (1600, 48))
    tags = torch.randint(0, 9, (1600, 48))
    train_dataloader = DataLoader(TensorDataset(ids, tags), batch_size=args.per_device_train_batch_size, shuffle=True)
    model = TokenClassifier().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate)
    scaler = torch.cuda.amp.GradScaler(enabled=args.fp16)

    for epoch in range(args.num_train_epochs):
        model.train()
        total_loss = 0.0
        for step, (input_ids, labels) in enumerate(train_dataloader):
            input_ids, labels = input_ids.to(device), labels.to(device)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=args.fp16):
                logits = model(input_ids)
                loss = F.cross_entropy(logits.view(-1, 9), labels.view(-1), ignore_index=-100)
            optimizer.zero_grad()
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            total_loss += loss.detach().float().item()
        print(f"epoch {epoch}: train_loss {total_loss / len(train_dataloader):.4f}")


if __name__ == "__main__":
    main()
