# expect: clean
# style: Kaggle multi-label (toxic-comment-like) kernel with BCEWithLogitsLoss
# note: loss gets raw logits; torch.sigmoid is applied only to detached outputs for the accuracy metric and at inference
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

LABEL_COLS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]


class BiGRUClassifier(nn.Module):
    def __init__(self, vocab=20000, d=100, hid=64, n_labels=len(LABEL_COLS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.gru = nn.GRU(d, hid, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * hid, n_labels)

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        return self.fc(torch.cat([h.mean(1), h.max(1).values], dim=1))


def train_epoch(model, loader, optimizer, criterion):
    model.train()
    losses, accs = [], []
    for ids, y in loader:
        logits = model(ids)
        loss = criterion(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        probs = torch.sigmoid(logits.detach())
        accs.append(((probs > 0.5).float() == y).float().mean().item())
        losses.append(loss.item())
    return np.mean(losses), np.mean(accs)


@torch.no_grad()
def predict_proba(model, ids, bs=512):
    model.eval()
    return torch.cat([torch.sigmoid(model(chunk)) for chunk in ids.split(bs)]).numpy()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--bs", type=int, default=128)
    CFG = ap.parse_args()
    X = torch.randint(0, 20000, (3000, 100))
    Y = (torch.rand(3000, len(LABEL_COLS)) < 0.1).float()
    loader = DataLoader(TensorDataset(X, Y), batch_size=CFG.bs, shuffle=True)
    model = BiGRUClassifier()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.full((len(LABEL_COLS),), 3.0))
    for epoch in range(CFG.epochs):
        loss, acc = train_epoch(model, loader, optimizer, criterion)
        print(f"epoch {epoch}: loss={loss:.4f} acc={acc:.4f}")
    sub = predict_proba(model, torch.randint(0, 20000, (500, 100)))
    print("submission shape", sub.shape)
