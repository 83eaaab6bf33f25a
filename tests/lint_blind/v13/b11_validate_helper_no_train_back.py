# expect: TVL004
# style: research repo with argparse, text classification (CNN over embeddings), separate validate()
# bug: validate() switches the model to eval() and nothing switches it back; model.train() is only called once before the epoch loop, so dropout is off from epoch 2 on
import argparse
import logging
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("textcnn")


def set_seed(s):
    random.seed(s)
    np.random.seed(s)
    torch.manual_seed(s)


class TextCNN(nn.Module):
    def __init__(self, vocab, dim=128, n_filters=100, sizes=(3, 4, 5), n_cls=4, drop=0.5):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(drop)
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, ids):
        x = self.emb(ids).transpose(1, 2)
        feats = [F.relu(c(x)).max(-1).values for c in self.convs]
        return self.fc(self.drop(torch.cat(feats, 1)))


def make_data(n, vocab, seq_len, n_cls):
    ids = torch.randint(1, vocab, (n, seq_len))
    y = torch.randint(0, n_cls, (n,))
    return TensorDataset(ids, y)


def validate(model, loader, device):
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for ids, y in loader:
            ids, y = ids.to(device), y.to(device)
            logits = model(ids)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            n += y.numel()
    return loss_sum / n, correct / n


def train_one_epoch(model, loader, optimizer, device, log_interval):
    total, steps = 0.0, 0
    for step, (ids, y) in enumerate(loader):
        ids, y = ids.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(ids), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
        steps += 1
        if step % log_interval == 0:
            log.debug("step %d loss %.4f", step, loss.item())
    return total / max(steps, 1)


def main():
    p = argparse.ArgumentParser(description="TextCNN on synthetic AG-News-like data")
    p.add_argument("--vocab", type=int, default=20000)
    p.add_argument("--seq-len", type=int, default=64)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--log-interval", type=int, default=50)
    p.add_argument("--seed", type=int, default=13)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    set_seed(args.seed)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_dl = DataLoader(make_data(8000, args.vocab, args.seq_len, 4), batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(make_data(1000, args.vocab, args.seq_len, 4), batch_size=256)

    model = TextCNN(args.vocab).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    best_acc, patience, bad = 0.0, 3, 0
    model.train()
    for epoch in range(1, args.epochs + 1):
        tr_loss = train_one_epoch(model, train_dl, optimizer, device, args.log_interval)
        va_loss, va_acc = validate(model, val_dl, device)
        log.info("epoch %02d | train %.4f | val %.4f | acc %.4f", epoch, tr_loss, va_loss, va_acc)
        if va_acc > best_acc:
            best_acc, bad = va_acc, 0
            torch.save(model.state_dict(), "textcnn_best.pt")
        else:
            bad += 1
            if bad >= patience:
                log.info("early stopping at epoch %d", epoch)
                break


if __name__ == "__main__":
    main()
