# expect: clean
# style: HF-style batch dict with attention_mask, nn.TransformerEncoder for review rating prediction
# note: the batch carries an HF-style attention_mask (1 = real token), but the model converts it with `attention_mask == 0` before passing src_key_padding_mask, so True correctly marks padding.
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD_ID, CLS_ID = 0, 1
MAX_LEN = 64


class Reviews(Dataset):
    def __init__(self, n, vocab=5000, seed=0):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            stars = rnd.randrange(5)
            L = rnd.randint(6, MAX_LEN - 1)
            ids = [CLS_ID] + [rnd.randrange(2, vocab) for _ in range(L)]
            for j in range(1, min(4, L)):
                ids[j] = 2 + stars * 17 + j
            self.rows.append((ids, stars))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    L = max(len(ids) for ids, _ in batch)
    input_ids = torch.full((len(batch), L), PAD_ID)
    attention_mask = torch.zeros(len(batch), L, dtype=torch.long)
    for r, (ids, _) in enumerate(batch):
        input_ids[r, :len(ids)] = torch.tensor(ids)
        attention_mask[r, :len(ids)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask,
            "labels": torch.tensor([s for _, s in batch])}


class RatingModel(nn.Module):
    def __init__(self, vocab=5000, d=128, heads=4, layers=3):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Embedding(MAX_LEN, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers)
        self.head = nn.Linear(d, 5)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        x = self.tok(input_ids) + self.pos(pos)
        pad_mask = attention_mask == 0
        h = self.encoder(x, src_key_padding_mask=pad_mask)
        return self.head(h[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(Reviews(8000), batch_size=32, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(Reviews(1000, seed=1), batch_size=128, collate_fn=collate)
    model = RatingModel()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for b in train_dl:
            loss = F.cross_entropy(model(b["input_ids"], b["attention_mask"]), b["labels"])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        model.eval()
        hit = n = 0
        mae = 0.0
        with torch.no_grad():
            for b in val_dl:
                pred = model(b["input_ids"], b["attention_mask"]).argmax(-1)
                hit += (pred == b["labels"]).sum().item()
                mae += (pred - b["labels"]).abs().sum().item()
                n += len(pred)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} acc {hit / n:.4f} star_mae {mae / n:.3f}")


if __name__ == "__main__":
    main()
