# expect: TVL004
# style: research repo with argparse, sentiment LSTM with a separate validate() function
# bug: validate() switches the model to eval mode and the epoch loop never calls model.train() again, so dropout is off from epoch 2 on
import argparse
import logging
import os

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("sent")


def get_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=20000)
    ap.add_argument("--emb", type=int, default=128)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.4)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--save-dir", default="ckpt")
    return ap.parse_args()


class SentimentLSTM(nn.Module):
    def __init__(self, vocab, emb, hidden, dropout):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * hidden, 2)

    def forward(self, x):
        h, _ = self.lstm(self.dropout(self.embedding(x)))
        return self.fc(self.dropout(h.max(dim=1).values))


def train_one_epoch(model, loader, optimizer, criterion, device):
    total, n = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def validate(model, loader, criterion, device):
    model.eval()
    total, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            x, y = x.to(device), y.to(device)
            logits = model(x)
            total += criterion(logits, y).item() * len(y)
            correct += (logits.argmax(1) == y).sum().item()
            n += len(y)
    return total / n, correct / n


def main():
    args = get_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randint(1, args.vocab, (12000, 100))
    y = torch.randint(0, 2, (12000,))
    train_loader = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=256)
    model = SentimentLSTM(args.vocab, args.emb, args.hidden, args.dropout).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()
    os.makedirs(args.save_dir, exist_ok=True)
    best_acc = 0.0
    model.train()
    for epoch in range(1, args.epochs + 1):
        tr_loss = train_one_epoch(model, train_loader, optimizer, criterion, device)
        va_loss, va_acc = validate(model, val_loader, criterion, device)
        log.info("epoch %d train %.4f val %.4f acc %.4f", epoch, tr_loss, va_loss, va_acc)
        if va_acc > best_acc:
            best_acc = va_acc
            torch.save(model.state_dict(), os.path.join(args.save_dir, "best.pt"))
    log.info("best acc %.4f", best_acc)


if __name__ == "__main__":
    main()
