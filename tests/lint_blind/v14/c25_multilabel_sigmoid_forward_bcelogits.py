# expect: TVL008
# style: multi-label text tagging, model class + loss factory from config
# bug: TagModel.forward returns torch.sigmoid(logits) "for convenient inference" while build_criterion() returns BCEWithLogitsLoss, so sigmoid is applied twice in training
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


class TagDataset(Dataset):
    def __init__(self, n, vocab, n_tags, max_len=48, seed=0):
        rng = np.random.default_rng(seed)
        self.ids = rng.integers(1, vocab, size=(n, max_len))
        lengths = rng.integers(8, max_len, size=n)
        for i, l in enumerate(lengths):
            self.ids[i, l:] = 0
        self.tags = (rng.random((n, n_tags)) < 0.08).astype(np.float32)
        for t in range(n_tags):
            self.tags[:, t] = np.maximum(self.tags[:, t], (self.ids[:, :3] % n_tags == t).any(1))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return torch.as_tensor(self.ids[i]), torch.as_tensor(self.tags[i])


class TagModel(nn.Module):
    def __init__(self, vocab, n_tags, dim=200):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, dim, mode="mean", padding_idx=0)
        self.fc1 = nn.Linear(dim, 256)
        self.fc2 = nn.Linear(256, n_tags)
        self.drop = nn.Dropout(0.3)

    def forward(self, ids):
        h = torch.relu(self.fc1(self.emb(ids)))
        logits = self.fc2(self.drop(h))
        return torch.sigmoid(logits)


def build_criterion(name, pos_weight=None):
    if name == "bce":
        return nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    if name == "mse":
        return nn.MSELoss()
    raise ValueError(name)


def micro_f1(probs, targets, thr=0.5):
    pred = probs > thr
    tp = (pred & (targets > 0.5)).sum()
    fp = (pred & (targets < 0.5)).sum()
    fn = (~pred & (targets > 0.5)).sum()
    return (2 * tp / (2 * tp + fp + fn + 1e-9)).item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=20000)
    ap.add_argument("--n-tags", type=int, default=30)
    ap.add_argument("--loss", default="bce")
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_ds = TagDataset(8000, args.vocab, args.n_tags, seed=0)
    val_ds = TagDataset(1000, args.vocab, args.n_tags, seed=1)
    train_dl = DataLoader(train_ds, batch_size=64, shuffle=True)
    val_dl = DataLoader(val_ds, batch_size=256)

    freq = torch.from_numpy(train_ds.tags.mean(0)).clamp(min=1e-3)
    criterion = build_criterion(args.loss, pos_weight=(1 - freq) / freq)
    model = TagModel(args.vocab, args.n_tags)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for ids, tags in train_dl:
            loss = criterion(model(ids), tags)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        probs, targets = [], []
        with torch.no_grad():
            for ids, tags in val_dl:
                probs.append(model(ids))
                targets.append(tags)
        f1 = micro_f1(torch.cat(probs), torch.cat(targets))
        logger.info("epoch %d loss %.4f micro-F1 %.4f", epoch, tot / len(train_dl), f1)


if __name__ == "__main__":
    main()
