# expect: clean
# style: multi-label toxic-comment classifier with a Trainer class and a predict_proba() for deployment
# note: sigmoid appears in the model class (predict_proba) and in the metric code, but forward() returns raw logits and only those logits go into BCEWithLogitsLoss.
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

LABELS = ["toxic", "severe_toxic", "obscene", "threat", "insult", "identity_hate"]
log = logging.getLogger("toxic")


class Comments(Dataset):
    def __init__(self, n, vocab=10000, seq=100, seed=0):
        rng = np.random.default_rng(seed)
        self.ids = rng.integers(1, vocab, (n, seq))
        self.y = (rng.random((n, len(LABELS))) < 0.08).astype(np.float32)
        for k in range(len(LABELS)):
            self.ids[self.y[:, k] == 1, k] = 9000 + k

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return torch.from_numpy(self.ids[i]), torch.from_numpy(self.y[i])


class GRUClassifier(nn.Module):
    def __init__(self, vocab=10000, emb=128, hidden=128, n_out=len(LABELS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=0)
        self.gru = nn.GRU(emb, hidden, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(4 * hidden, n_out)

    def forward(self, ids):
        h, _ = self.gru(self.emb(ids))
        return self.fc(torch.cat([h.mean(1), h.max(1).values], -1))

    @torch.no_grad()
    def predict_proba(self, ids):
        return torch.sigmoid(self(ids))


def column_auc(y, s):
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean())


class Trainer:
    def __init__(self, model, lr, device):
        self.model, self.device = model.to(device), device
        self.criterion = nn.BCEWithLogitsLoss()
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for ids, y in loader:
            ids, y = ids.to(self.device), y.to(self.device)
            logits = self.model(ids)
            loss = self.criterion(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total / len(loader)

    def evaluate(self, loader):
        self.model.eval()
        probs, ys = [], []
        for ids, y in loader:
            probs.append(self.model.predict_proba(ids.to(self.device)).cpu().numpy())
            ys.append(y.numpy())
        p, y = np.concatenate(probs), np.concatenate(ys)
        return {name: column_auc(y[:, k], p[:, k]) for k, name in enumerate(LABELS)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = Trainer(GRUClassifier(), args.lr, device)
    train_dl = DataLoader(Comments(20000), batch_size=128, shuffle=True)
    val_dl = DataLoader(Comments(3000, seed=1), batch_size=512)
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_dl)
        aucs = trainer.evaluate(val_dl)
        log.info("epoch %d loss %.4f mean_auc %.4f", epoch, loss, np.nanmean(list(aucs.values())))
    torch.save(trainer.model.state_dict(), "toxic_gru.pt")


if __name__ == "__main__":
    main()
