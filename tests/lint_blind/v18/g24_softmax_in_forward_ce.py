# expect: TVL008
# style: research repo, text CNN (Kim-style) for sentiment; model file returns probabilities, train file uses CrossEntropyLoss
# bug: TextCNN.forward() ends with softmax (so predict() can use it directly) and train_epoch() feeds those probabilities into nn.CrossEntropyLoss, which applies log_softmax again.
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("textcnn")


# ---------------- models/textcnn.py
class TextCNN(nn.Module):
    def __init__(self, vocab, emb_dim=128, n_filters=100, sizes=(3, 4, 5), n_classes=2, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb_dim, padding_idx=0)
        self.convs = nn.ModuleList([nn.Conv1d(emb_dim, n_filters, k) for k in sizes])
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(n_filters * len(sizes), n_classes)

    def forward(self, ids):
        e = self.embedding(ids).transpose(1, 2)
        pooled = [F.relu(c(e)).max(dim=2).values for c in self.convs]
        logits = self.fc(self.dropout(torch.cat(pooled, 1)))
        return F.softmax(logits, dim=-1)

    @torch.no_grad()
    def predict(self, ids):
        self.eval()
        probs = self(ids)
        self.train()
        return probs


# ---------------- data.py
class Reviews(Dataset):
    def __init__(self, n, vocab, seed):
        r = random.Random(seed)
        self.samples = []
        for _ in range(n):
            y = r.randint(0, 1)
            L = r.randint(8, 60)
            toks = [r.randint(1, vocab // 2) if (r.random() < 0.6) == bool(y) else r.randint(vocab // 2, vocab - 1)
                    for _ in range(L)]
            self.samples.append((toks, y))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]


def collate(batch, min_len=5):
    L = max(min_len, max(len(t) for t, _ in batch))
    ids = torch.zeros(len(batch), L, dtype=torch.long)
    for i, (t, _) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
    return ids, torch.tensor([y for _, y in batch])


# ---------------- train.py
def train_epoch(model, loader, optimizer, criterion):
    model.train()
    total, n = 0.0, 0
    for ids, y in loader:
        out = model(ids)
        loss = criterion(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(y)
        n += len(y)
    return total / n


def evaluate(model, loader):
    correct = n = 0
    for ids, y in loader:
        correct += (model.predict(ids).argmax(-1) == y).sum().item()
        n += len(y)
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(Reviews(8000, args.vocab, 0), batch_size=50, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(Reviews(1000, args.vocab, 1), batch_size=200, collate_fn=collate)
    model = TextCNN(args.vocab)
    optimizer = torch.optim.Adadelta(model.parameters(), lr=1.0) if args.lr <= 0 else \
        torch.optim.Adam(model.parameters(), lr=args.lr)
    criterion = nn.CrossEntropyLoss()

    best = 0.0
    for epoch in range(args.epochs):
        loss = train_epoch(model, train_dl, optimizer, criterion)
        acc = evaluate(model, dev_dl)
        logger.info("epoch %d train_loss %.4f dev_acc %.4f", epoch, loss, acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), "textcnn_best.pt")


if __name__ == "__main__":
    main()
