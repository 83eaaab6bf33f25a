# expect: TVL010
# style: session-based recommender with attention pooling over the click history (nn.MultiheadAttention), HF-style batch dicts
# bug: the batch carries an HF-style attention_mask (1 = real item, 0 = padding) and SessionEncoder passes attention_mask.bool() as key_padding_mask, where True means "ignore", so pooling attends only to the padding slots.
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("sessrec")
MAX_HIST = 50


class Sessions(Dataset):
    def __init__(self, n_sessions, n_items, seed):
        r = random.Random(seed)
        self.data = []
        for _ in range(n_sessions):
            L = r.randint(2, MAX_HIST - 5)
            start = r.randrange(1, n_items - L - 1)
            clicks = [start + j for j in range(L)]
            self.data.append((clicks, start + L))  # next item continues the run

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def to_batch(samples):
    hist = torch.zeros(len(samples), MAX_HIST, dtype=torch.long)
    attention_mask = torch.zeros(len(samples), MAX_HIST, dtype=torch.long)
    for i, (clicks, _) in enumerate(samples):
        hist[i, -len(clicks):] = torch.tensor(clicks)      # left padding
        attention_mask[i, -len(clicks):] = 1
    target = torch.tensor([t for _, t in samples])
    return {"history": hist, "attention_mask": attention_mask, "target": target}


class SessionEncoder(nn.Module):
    def __init__(self, n_items, d=64, heads=2):
        super().__init__()
        self.item_emb = nn.Embedding(n_items, d, padding_idx=0)
        self.pos_emb = nn.Embedding(MAX_HIST, d)
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.pool = nn.MultiheadAttention(d, heads, dropout=0.1, batch_first=True)
        self.norm = nn.LayerNorm(d)

    def forward(self, history, attention_mask):
        pos = torch.arange(MAX_HIST, device=history.device)
        h = self.item_emb(history) + self.pos_emb(pos)
        q = self.query.expand(h.size(0), -1, -1)
        pooled, _ = self.pool(q, h, h, key_padding_mask=attention_mask.bool())
        return self.norm(pooled.squeeze(1))


class NextItemModel(nn.Module):
    def __init__(self, n_items, d=64):
        super().__init__()
        self.encoder = SessionEncoder(n_items, d)

    def forward(self, batch):
        s = self.encoder(batch["history"], batch["attention_mask"])
        return s @ self.encoder.item_emb.weight.t()  # tied output scores


def recall_at_k(scores, target, k=20):
    topk = scores.topk(k, dim=-1).indices
    return (topk == target.unsqueeze(-1)).any(-1).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=5000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(Sessions(20000, args.items, 0), batch_size=256, shuffle=True, collate_fn=to_batch)
    test_dl = DataLoader(Sessions(2000, args.items, 1), batch_size=512, collate_fn=to_batch)
    model = NextItemModel(args.items)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for batch in train_dl:
            loss = F.cross_entropy(model(batch), batch["target"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item()
        model.eval()
        recalls = []
        with torch.no_grad():
            for batch in test_dl:
                recalls.append(recall_at_k(model(batch), batch["target"]))
        logger.info("epoch %d loss %.4f recall@20 %.4f", epoch, total / len(train_dl), sum(recalls) / len(recalls))
    torch.save(model.state_dict(), "sessrec.pt")


if __name__ == "__main__":
    main()
