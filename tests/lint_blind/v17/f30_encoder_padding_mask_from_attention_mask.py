# expect: TVL010
# style: HF-tokenizer-style batch dicts with an nn.TransformerEncoder intent classifier, inline
# bug: src_key_padding_mask is given attention_mask.bool() (True = real token), but PyTorch treats True as "ignore", so the encoder attends only to padding.
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD_ID, CLS_ID = 0, 1
MAX_LEN = 48
INTENTS = ["book_flight", "cancel", "weather", "play_music", "set_alarm", "greeting"]


class IntentDataset(Dataset):
    def __init__(self, n, vocab=3000, seed=0):
        rnd = random.Random(seed)
        self.rows = []
        for _ in range(n):
            label = rnd.randrange(len(INTENTS))
            length = rnd.randint(4, MAX_LEN - 8)
            ids = [CLS_ID] + [rnd.randrange(2, vocab) for _ in range(length)]
            ids[1] = 2 + label * 10
            self.rows.append((ids, label))

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        return self.rows[i]


def collate(batch):
    input_ids = torch.full((len(batch), MAX_LEN), PAD_ID, dtype=torch.long)
    attention_mask = torch.zeros(len(batch), MAX_LEN, dtype=torch.long)
    for r, (ids, _) in enumerate(batch):
        input_ids[r, :len(ids)] = torch.tensor(ids)
        attention_mask[r, :len(ids)] = 1
    labels = torch.tensor([lab for _, lab in batch])
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


class IntentModel(nn.Module):
    def __init__(self, vocab=3000, d=128, heads=4, layers=2):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD_ID)
        self.pos = nn.Parameter(torch.zeros(1, MAX_LEN, d))
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.head = nn.Linear(d, len(INTENTS))
        nn.init.normal_(self.pos, std=0.02)

    def forward(self, input_ids, attention_mask):
        x = self.tok(input_ids) + self.pos[:, : input_ids.size(1)]
        h = self.encoder(x, src_key_padding_mask=attention_mask.bool())
        return self.head(h[:, 0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    torch.manual_seed(0)
    train_dl = DataLoader(IntentDataset(6000), batch_size=args.bs, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(IntentDataset(1000, seed=1), batch_size=128, collate_fn=collate)
    model = IntentModel()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in train_dl:
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        model.eval()
        hits = n = 0
        with torch.no_grad():
            for batch in dev_dl:
                pred = model(batch["input_ids"], batch["attention_mask"]).argmax(-1)
                hits += (pred == batch["labels"]).sum().item()
                n += len(pred)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} dev_acc {hits / n:.4f}")


if __name__ == "__main__":
    main()
