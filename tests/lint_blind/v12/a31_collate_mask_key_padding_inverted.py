# expect: TVL010
# style: NER/token tagging with nn.TransformerEncoder, collate_fn builds masks, model consumes batch dict
# bug: collate_fn builds attention_mask = ids != PAD (True = real token, HF convention) and the model passes it straight as src_key_padding_mask, where True means "ignore", so real tokens are masked and padding is attended
import argparse
import logging
import random

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

PAD = 0
IGNORE = -100
log = logging.getLogger("ner")


class TaggingDataset(Dataset):
    def __init__(self, n, vocab=8000, n_tags=9, seed=0):
        rnd = random.Random(seed)
        self.data = []
        for _ in range(n):
            L = rnd.randint(5, 60)
            toks = [rnd.randint(1, vocab - 1) for _ in range(L)]
            tags = [t % n_tags for t in toks]
            self.data.append((toks, tags))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


def collate_fn(batch):
    L = max(len(t) for t, _ in batch)
    ids = torch.full((len(batch), L), PAD, dtype=torch.long)
    tags = torch.full((len(batch), L), IGNORE, dtype=torch.long)
    for i, (t, g) in enumerate(batch):
        ids[i, :len(t)] = torch.tensor(t)
        tags[i, :len(g)] = torch.tensor(g)
    return {"input_ids": ids, "attention_mask": ids != PAD, "labels": tags}


class TransformerTagger(nn.Module):
    def __init__(self, vocab=8000, n_tags=9, d=256, heads=8, layers=4, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        enc_layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(enc_layer, layers)
        self.classifier = nn.Linear(d, n_tags)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.tok(input_ids) + self.pos(pos)[None]
        h = self.encoder(h, src_key_padding_mask=attention_mask)
        return self.classifier(h)


def token_accuracy(logits, labels):
    keep = labels != IGNORE
    return ((logits.argmax(-1) == labels) & keep).sum().item(), keep.sum().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(TaggingDataset(6000), batch_size=args.bs, shuffle=True, collate_fn=collate_fn)
    dev_dl = DataLoader(TaggingDataset(800, seed=1), batch_size=64, collate_fn=collate_fn)
    model = TransformerTagger()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    crit = nn.CrossEntropyLoss(ignore_index=IGNORE)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in train_dl:
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = crit(logits.view(-1, logits.size(-1)), batch["labels"].view(-1))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        model.eval()
        hit = n = 0
        with torch.no_grad():
            for batch in dev_dl:
                h, k = token_accuracy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
                hit += h
                n += k
        log.info("epoch %d loss %.4f dev token acc %.4f", epoch, tot / len(train_dl), hit / n)


if __name__ == "__main__":
    main()
