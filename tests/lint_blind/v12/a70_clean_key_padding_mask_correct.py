# expect: clean
# style: transformer encoder for document classification, collate builds an HF-style attention_mask, model converts it for nn.TransformerEncoder
# note: the batch carries attention_mask with True = real token (HF convention), which would be inverted for src_key_padding_mask, but the model passes ~attention_mask (True = padding, ignore)
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

PAD = 0
log = logging.getLogger("doccls")


class Docs(Dataset):
    def __init__(self, n, vocab=25000, n_classes=20, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.docs = [torch.randint(1, vocab, (int(torch.randint(20, 400, (1,), generator=g)),), generator=g)
                     for _ in range(n)]
        self.labels = torch.randint(0, n_classes, (n,), generator=g)

    def __len__(self):
        return len(self.docs)

    def __getitem__(self, i):
        return self.docs[i], self.labels[i]


def collate(batch, max_len=256):
    docs, labels = zip(*batch)
    L = min(max(len(d) for d in docs), max_len)
    ids = torch.full((len(docs), L), PAD, dtype=torch.long)
    for k, d in enumerate(docs):
        d = d[:L]
        ids[k, :len(d)] = d
    return {"input_ids": ids, "attention_mask": ids != PAD, "labels": torch.stack(labels)}


class DocEncoder(nn.Module):
    def __init__(self, vocab=25000, d=256, heads=8, layers=4, n_classes=20, max_len=256):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.cls = nn.Linear(d, n_classes)

    def forward(self, input_ids, attention_mask):
        pos = torch.arange(input_ids.size(1), device=input_ids.device)
        h = self.encoder(self.tok(input_ids) + self.pos(pos), src_key_padding_mask=~attention_mask)
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        return self.cls((h * m).sum(1) / m.sum(1).clamp(min=1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=3e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(Docs(6000), batch_size=32, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(Docs(800, seed=1), batch_size=64, collate_fn=collate)
    model = DocEncoder()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for b in train_dl:
            loss = F.cross_entropy(model(b["input_ids"], b["attention_mask"]), b["labels"])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for b in dev_dl:
                correct += (model(b["input_ids"], b["attention_mask"]).argmax(-1) == b["labels"]).sum().item()
        log.info("epoch %d loss %.4f dev acc %.4f", epoch, tot / len(train_dl), correct / len(dev_dl.dataset))


if __name__ == "__main__":
    main()
