# expect: TVL004
# style: beginner script, sentiment LSTM
# bug: model.eval() for the per-epoch validation block inside the epoch loop; model.train() is never called again.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class LSTMClassifier(nn.Module):
    def __init__(self, vocab=20000, emb=128, hid=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hid, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.5)
        self.fc = nn.Linear(2 * hid, 2)

    def forward(self, x):
        out, _ = self.lstm(self.emb(x))
        return self.fc(self.drop(out.max(1).values))


args = parse_args()
set_seed(args.seed)
train_x, train_y = torch.randint(1, 20000, (8000, 64)), torch.randint(0, 2, (8000,))
val_x, val_y = torch.randint(1, 20000, (1000, 64)), torch.randint(0, 2, (1000,))
train_loader = DataLoader(TensorDataset(train_x, train_y), batch_size=args.batch_size, shuffle=True)
val_loader = DataLoader(TensorDataset(val_x, val_y), batch_size=args.batch_size)

model = LSTMClassifier().to(args.device)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
criterion = nn.CrossEntropyLoss()

model.train()
for epoch in range(args.epochs):
    total_loss = 0.0
    for x, y in train_loader:
        x, y = x.to(args.device), y.to(args.device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        total_loss += loss.item()

    # ---- validation ----
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in val_loader:
            correct += (model(x.to(args.device)).argmax(1).cpu() == y).sum().item()
    print(f"Epoch {epoch}: train loss {total_loss / len(train_loader):.4f}, val acc {correct / len(val_y):.4f}")

save_checkpoint({"model": model.state_dict()}, args.out_dir)
