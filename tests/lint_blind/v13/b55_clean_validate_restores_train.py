# expect: clean
# style: research repo, validate() helper called inside the epoch loop, text classification with GRU
# note: validate() calls model.eval() in the epoch loop but restores the previous mode with model.train(was_training) before returning
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("gru")


class GRUClassifier(nn.Module):
    def __init__(self, vocab=12000, dim=128, hidden=192, n_cls=5, dropout=0.3):
        super().__init__()
        self.emb = nn.Embedding(vocab, dim, padding_idx=0)
        self.gru = nn.GRU(dim, hidden, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(2 * hidden, n_cls)

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        return self.fc(self.drop(h.mean(1)))


def validate(model, loader, device):
    was_training = model.training
    model.eval()
    loss_sum, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for ids, y in loader:
            ids, y = ids.to(device), y.to(device)
            logits = model(ids)
            loss_sum += F.cross_entropy(logits, y, reduction="sum").item()
            correct += (logits.argmax(1) == y).sum().item()
            n += y.size(0)
    model.train(was_training)
    return loss_sum / n, correct / n


def train_one_epoch(model, loader, optimizer, device):
    total, steps = 0.0, 0
    for ids, y in loader:
        ids, y = ids.to(device), y.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(ids), y)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 2.0)
        optimizer.step()
        total += loss.item()
        steps += 1
    return total / steps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    ids = torch.randint(1, 12000, (9000, 60))
    y = torch.randint(0, 5, (9000,))
    train_dl = DataLoader(TensorDataset(ids[:8000], y[:8000]), batch_size=args.bs, shuffle=True)
    val_dl = DataLoader(TensorDataset(ids[8000:], y[8000:]), batch_size=256)
    model = GRUClassifier().to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = 0.0
    model.train()
    for epoch in range(args.epochs):
        tr = train_one_epoch(model, train_dl, opt, dev)
        vl, va = validate(model, val_dl, dev)
        log.info("epoch %d train %.4f val %.4f acc %.4f (training=%s)", epoch, tr, vl, va, model.training)
        if va > best:
            best = va
            torch.save(model.state_dict(), "gru_best.pt")


if __name__ == "__main__":
    main()
