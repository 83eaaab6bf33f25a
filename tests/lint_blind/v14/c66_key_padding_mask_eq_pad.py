# expect: clean
# style: nn.TransformerEncoder review-rating classifier with a collate that builds the padding mask
# note: a boolean mask is built from the token ids and passed to src_key_padding_mask; it is (ids == PAD), True on padding, which is what nn.Transformer expects
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("reviews")
PAD, CLS = 0, 1


class Reviews(Dataset):
    def __init__(self, n, vocab=12000, seed=0):
        rnd = random.Random(seed)
        self.data = []
        for _ in range(n):
            stars = rnd.randrange(5)
            L = rnd.randint(10, 120)
            toks = [rnd.randrange(2, vocab) for _ in range(L)]
            toks[: stars + 1] = [2 + stars] * (stars + 1)
            self.data.append((toks, stars))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def collate(batch):
    seqs, labels = zip(*batch)
    T = max(len(s) for s in seqs) + 1
    ids = torch.full((len(seqs), T), PAD, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, 0] = CLS
        ids[i, 1:1 + len(s)] = torch.tensor(s)
    return ids, torch.tensor(labels)


class RatingModel(nn.Module):
    def __init__(self, vocab=12000, d=128, layers=3, n_classes=5, max_len=512):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        enc = nn.TransformerEncoderLayer(d, 4, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc, layers)
        self.head = nn.Linear(d, n_classes)

    def forward(self, ids):
        pad_mask = ids == PAD
        h = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        h = self.encoder(h, src_key_padding_mask=pad_mask)
        return self.head(h[:, 0])


def evaluate(model, loader):
    model.eval()
    hit = mae = n = 0
    with torch.no_grad():
        for ids, y in loader:
            p = model(ids).argmax(1)
            hit += (p == y).sum().item()
            mae += (p - y).abs().sum().item()
            n += len(y)
    model.train()
    return hit / n, mae / n


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train_loader = DataLoader(Reviews(8000), batch_size=32, shuffle=True, collate_fn=collate)
    val_loader = DataLoader(Reviews(800, seed=1), batch_size=128, collate_fn=collate)
    model = RatingModel()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for epoch in range(10):
        model.train()
        tot = 0.0
        for ids, y in train_loader:
            loss = F.cross_entropy(model(ids), y, label_smoothing=0.05)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        acc, mae = evaluate(model, val_loader)
        log.info("epoch %d loss %.4f acc %.4f star-MAE %.3f", epoch, tot / len(train_loader), acc, mae)
