# expect: clean
# style: document classification with nn.TransformerEncoder; tokenizer-style attention_mask converted in a helper
# note: the collate function produces an HF-style attention_mask (1 = real token) and the encoder receives a mask derived from it, which is where inversion bugs usually hide — make_key_padding_mask() returns attention_mask == 0, i.e. True at padding, matching PyTorch's key_padding_mask convention
import argparse
import logging
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("doccls")
PAD = 0


class Docs(Dataset):
    def __init__(self, n, vocab, n_classes, seed):
        rnd = random.Random(seed)
        self.items = []
        for _ in range(n):
            c = rnd.randrange(n_classes)
            L = rnd.randint(20, 200)
            toks = [rnd.randint(n_classes + 1, vocab - 1) for _ in range(L)]
            for _ in range(3):
                toks[rnd.randrange(L)] = 1 + c
            self.items.append((toks, c))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch, max_len=256):
    L = min(max(len(t) for t, _ in batch), max_len)
    ids = torch.full((len(batch), L), PAD)
    attention_mask = torch.zeros(len(batch), L, dtype=torch.long)
    for k, (toks, _) in enumerate(batch):
        toks = toks[:L]
        ids[k, : len(toks)] = torch.tensor(toks)
        attention_mask[k, : len(toks)] = 1
    return ids, attention_mask, torch.tensor([c for _, c in batch])


def make_key_padding_mask(attention_mask):
    """HF masks mark real tokens with 1; nn.Transformer* wants True where keys must be ignored."""
    return attention_mask == 0


class DocClassifier(nn.Module):
    def __init__(self, vocab, n_classes, d=128, layers=2, heads=4, max_len=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, 2 * d, 0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.out = nn.Linear(d, n_classes)

    def forward(self, ids, attention_mask):
        h = self.emb(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        h = self.enc(h, src_key_padding_mask=make_key_padding_mask(attention_mask))
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        return self.out((h * m).sum(1) / m.sum(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=8000)
    ap.add_argument("--classes", type=int, default=8)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    train_dl = DataLoader(Docs(6000, args.vocab, args.classes, 0), batch_size=32, shuffle=True, collate_fn=collate)
    dev_dl = DataLoader(Docs(600, args.vocab, args.classes, 1), batch_size=64, collate_fn=collate)
    model = DocClassifier(args.vocab, args.classes)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    for ep in range(args.epochs):
        model.train()
        for i, (ids, am, y) in enumerate(train_dl):
            loss = F.cross_entropy(model(ids, am), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if i % 50 == 0:
                log.info("ep %d it %d loss %.4f", ep, i, loss.item())
        model.eval()
        with torch.no_grad():
            acc = sum((model(ids, am).argmax(1) == y).sum().item() for ids, am, y in dev_dl) / len(dev_dl.dataset)
        log.info("ep %d dev acc %.4f", ep, acc)
    torch.save(model.state_dict(), "doc_cls.pt")


if __name__ == "__main__":
    main()
