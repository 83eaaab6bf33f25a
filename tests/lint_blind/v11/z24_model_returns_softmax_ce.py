# expect: TVL008
# style: text CNN classifier whose forward returns probabilities; trainer uses nn.CrossEntropyLoss
# bug: `TextCNN.forward` ends with softmax (so `predict_proba` is convenient) and the training loop feeds those probabilities to CrossEntropyLoss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TextCNN(nn.Module):
    def __init__(self, vocab, dim=128, n_filters=100, sizes=(3, 4, 5), n_cls=6, dropout=0.5):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(dim, n_filters, k) for k in sizes])
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_cls)

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(e)).max(dim=2).values for c in self.convs]
        logits = self.fc(self.drop(torch.cat(pooled, 1)))
        return F.softmax(logits, dim=1)

    @torch.no_grad()
    def predict_proba(self, ids):
        return self(ids)


def train_epoch(model, loader, criterion, optimizer):
    model.train()
    tot = 0.0
    for ids, y in loader:
        probs = model(ids)
        loss = criterion(probs, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    hits = n = 0
    for ids, y in loader:
        hits += (model.predict_proba(ids).argmax(1) == y).sum().item()
        n += len(y)
    model.train()
    return hits / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    ids = torch.randint(1, 8000, (3000, 64))
    y = torch.randint(0, 6, (3000,))
    tr = DataLoader(TensorDataset(ids[:2500], y[:2500]), batch_size=50, shuffle=True)
    te = DataLoader(TensorDataset(ids[2500:], y[2500:]), batch_size=200)
    model = TextCNN(8000)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    for ep in range(args.epochs):
        loss = train_epoch(model, tr, criterion, optimizer)
        acc = evaluate(model, te)
        print(f"epoch {ep} loss {loss:.4f} test acc {acc:.4f}")


if __name__ == "__main__":
    main()
