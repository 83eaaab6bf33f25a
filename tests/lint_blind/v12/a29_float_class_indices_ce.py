# expect: TVL009
# style: sentiment classification on pre-computed sentence embeddings, pandas labels, Dataset + train loop in functions
# bug: EmbeddingDataset stores the class ids as a float32 tensor (label column converted with dtype=torch.float32) and train() passes them as class-index targets to F.cross_entropy
import argparse
import logging

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

LABELS = ["negative", "neutral", "positive"]
logging.basicConfig(level=logging.INFO)
log = logging.getLogger(__name__)


def load_frame(n, dim=384, seed=0):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, dim)).astype(np.float32)
    lab = rng.choice(LABELS, size=n, p=[0.3, 0.3, 0.4])
    df = pd.DataFrame({"text_id": np.arange(n), "label": lab})
    return df, emb


class EmbeddingDataset(Dataset):
    def __init__(self, df, emb):
        self.x = torch.from_numpy(emb)
        codes = df["label"].map({l: i for i, l in enumerate(LABELS)}).values
        self.y = torch.tensor(codes, dtype=torch.float32)

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


class MLPHead(nn.Module):
    def __init__(self, dim, n_classes, hidden=256):
        super().__init__()
        self.net = nn.Sequential(nn.Dropout(0.1), nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.net(x)


def class_weights(ds, n_classes):
    counts = torch.bincount(ds.y.long(), minlength=n_classes).float()
    return counts.sum() / (n_classes * counts)


def train(model, loader, val_loader, epochs, lr, weights):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    for ep in range(epochs):
        model.train()
        total = 0.0
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y, weight=weights)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        log.info("epoch %d loss %.4f val macro-acc %.4f", ep, total / len(loader), evaluate(model, val_loader))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    per_class_hit = torch.zeros(len(LABELS))
    per_class_n = torch.zeros(len(LABELS))
    for x, y in loader:
        pred = model(x).argmax(-1)
        for c in range(len(LABELS)):
            m = y.long() == c
            per_class_hit[c] += (pred[m] == c).sum()
            per_class_n[c] += m.sum()
    model.train()
    return (per_class_hit / per_class_n.clamp(min=1)).mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    df_tr, emb_tr = load_frame(12000)
    df_va, emb_va = load_frame(2000, seed=1)
    train_ds = EmbeddingDataset(df_tr, emb_tr)
    val_ds = EmbeddingDataset(df_va, emb_va)
    train_dl = DataLoader(train_ds, batch_size=128, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=512)
    model = MLPHead(emb_tr.shape[1], len(LABELS))
    train(model, train_dl, val_dl, args.epochs, args.lr, class_weights(train_ds, len(LABELS)))
    torch.save(model.state_dict(), "sentiment_head.pt")


if __name__ == "__main__":
    main()
