# expect: TVL015
# style: research repo data.py-style build_loaders() sharing one kwargs dict between splits, NER token classification
# bug: build_loaders() passes the same loader_kwargs (shuffle=False, chosen for deterministic eval) to the train DataLoader, so training batches come in fixed corpus order.
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC"]
PAD_TOKEN, PAD_TAG = 0, -100


class NERDataset(Dataset):
    def __init__(self, n, vocab=6000, seed=0):
        rnd = random.Random(seed)
        self.sents = []
        for _ in range(n):
            L = rnd.randint(5, 40)
            toks = [rnd.randrange(1, vocab) for _ in range(L)]
            tags = [0] * L
            if L > 4 and rnd.random() < 0.7:
                s = rnd.randrange(L - 2)
                kind = rnd.choice([1, 3, 5])
                tags[s], tags[s + 1] = kind, kind + 1
                toks[s] = kind * 100 + rnd.randrange(50)
            self.sents.append((toks, tags))

    def __len__(self):
        return len(self.sents)

    def __getitem__(self, i):
        return self.sents[i]


def pad_batch(batch):
    L = max(len(t) for t, _ in batch)
    toks = torch.full((len(batch), L), PAD_TOKEN)
    tags = torch.full((len(batch), L), PAD_TAG)
    for i, (t, g) in enumerate(batch):
        toks[i, :len(t)] = torch.tensor(t)
        tags[i, :len(g)] = torch.tensor(g)
    return toks, tags


def build_loaders(args):
    loader_kwargs = dict(batch_size=args.batch_size, shuffle=False, collate_fn=pad_batch, num_workers=args.workers)
    train = DataLoader(NERDataset(args.n_train, seed=0), **loader_kwargs)
    dev = DataLoader(NERDataset(args.n_dev, seed=1), **loader_kwargs)
    test = DataLoader(NERDataset(args.n_dev, seed=2), **loader_kwargs)
    return train, dev, test


class BiLSTMTagger(nn.Module):
    def __init__(self, vocab=6000, emb=100, hidden=200, n_tags=len(TAGS)):
        super().__init__()
        self.emb = nn.Embedding(vocab, emb, padding_idx=PAD_TOKEN)
        self.lstm = nn.LSTM(emb, hidden, batch_first=True, bidirectional=True, num_layers=2, dropout=0.3)
        self.drop = nn.Dropout(0.3)
        self.proj = nn.Linear(2 * hidden, n_tags)

    def forward(self, toks):
        h, _ = self.lstm(self.drop(self.emb(toks)))
        return self.proj(self.drop(h))


@torch.no_grad()
def token_f1(model, loader):
    model.eval()
    tp = fp = fn = 0
    for toks, tags in loader:
        pred = model(toks).argmax(-1)
        valid = tags != PAD_TAG
        p_ent = (pred != 0) & valid
        g_ent = (tags != 0) & valid
        tp += (p_ent & g_ent & (pred == tags)).sum().item()
        fp += (p_ent & ~(g_ent & (pred == tags))).sum().item()
        fn += (g_ent & ~(p_ent & (pred == tags))).sum().item()
    prec, rec = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return 2 * prec * rec / max(prec + rec, 1e-9)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--workers", type=int, default=0)
    ap.add_argument("--n-train", type=int, default=8000)
    ap.add_argument("--n-dev", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    train_dl, dev_dl, test_dl = build_loaders(args)
    model = BiLSTMTagger()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for toks, tags in train_dl:
            logits = model(toks)
            loss = F.cross_entropy(logits.view(-1, len(TAGS)), tags.view(-1), ignore_index=PAD_TAG)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            tot += loss.item()
        f1 = token_f1(model, dev_dl)
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} dev_f1 {f1:.4f}")
        if f1 > best:
            best = f1
            torch.save(model.state_dict(), "ner_best.pt")
    print("test f1", token_f1(model, test_dl))


if __name__ == "__main__":
    main()
