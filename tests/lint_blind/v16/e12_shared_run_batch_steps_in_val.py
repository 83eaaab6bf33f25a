# expect: TVL004
# style: engine with a shared run_epoch(mode) helper, tabular credit-default regression/classification
# bug: run_epoch uses the same loop for train and val and only skips backward in val mode, but optimizer.step() is still called for every validation batch (with the last training gradients)
import logging
import time

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("engine")


class TabularNet(nn.Module):
    def __init__(self, n_num, cat_cards, emb_dim=8, hidden=128):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, emb_dim) for c in cat_cards])
        self.mlp = nn.Sequential(
            nn.Linear(n_num + emb_dim * len(cat_cards), hidden), nn.ReLU(), nn.Dropout(0.1),
            nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x_num, x_cat):
        e = [emb(x_cat[:, i]) for i, emb in enumerate(self.embs)]
        return self.mlp(torch.cat([x_num] + e, dim=1)).squeeze(1)


class AverageMeter:
    def __init__(self):
        self.sum, self.count = 0.0, 0

    def update(self, v, n=1):
        self.sum += v * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def run_epoch(model, loader, criterion, optimizer, mode="train"):
    is_train = mode == "train"
    model.train(is_train)
    meter = AverageMeter()
    preds, targets = [], []
    with torch.set_grad_enabled(is_train):
        for x_num, x_cat, y in loader:
            if is_train:
                optimizer.zero_grad()
            logits = model(x_num, x_cat)
            loss = criterion(logits, y)
            if is_train:
                loss.backward()
            optimizer.step()
            meter.update(loss.item(), len(y))
            preds.append(torch.sigmoid(logits).detach().numpy())
            targets.append(y.numpy())
    return meter.avg, np.concatenate(preds), np.concatenate(targets)


def auc(scores, labels):
    order = np.argsort(scores)
    ranks = np.empty_like(order, dtype=np.float64)
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels == 1
    n_pos, n_neg = pos.sum(), (~pos).sum()
    return (ranks[pos].sum() - n_pos * (n_pos + 1) / 2) / max(n_pos * n_neg, 1)


def make_split(n, seed):
    rng = np.random.default_rng(seed)
    x_num = torch.tensor(rng.normal(size=(n, 10)), dtype=torch.float32)
    x_cat = torch.tensor(rng.integers(0, [5, 12, 30], size=(n, 3)))
    y = torch.tensor((x_num[:, 0].numpy() + rng.normal(size=n) > 0.8).astype(np.float32))
    return TensorDataset(x_num, x_cat, y)


def main(epochs=25):
    train_loader = DataLoader(make_split(30000, 0), batch_size=512, shuffle=True)
    val_loader = DataLoader(make_split(6000, 1), batch_size=2048, shuffle=False)
    model = TabularNet(10, [5, 12, 30])
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    criterion = nn.BCEWithLogitsLoss()
    best = 0.0
    for epoch in range(epochs):
        t0 = time.time()
        tr_loss, _, _ = run_epoch(model, train_loader, criterion, optimizer, "train")
        va_loss, p, t = run_epoch(model, val_loader, criterion, optimizer, "val")
        score = auc(p, t)
        logger.info("ep %02d train %.4f val %.4f auc %.4f %.1fs", epoch, tr_loss, va_loss, score, time.time() - t0)
        if score > best:
            best = score
            torch.save(model.state_dict(), "tabnet_best.pt")


if __name__ == "__main__":
    main()
