# expect: TVL010
# style: HF-style tokenizer batch into nn.MultiheadAttention pooling
# bug: The tokenizer-like collate returns attention_mask with 1 for real tokens and AttentionPool passes attention_mask.bool() as key_padding_mask, where True means 'ignore'.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class ToyTokenizer:
    def __init__(self, vocab_size=30000, pad_id=0, max_len=64):
        self.vocab_size, self.pad_id, self.max_len = vocab_size, pad_id, max_len

    def __call__(self, texts):
        ids = [[(hash(w) % (self.vocab_size - 1)) + 1 for w in t.split()][: self.max_len] for t in texts]
        width = max(len(i) for i in ids)
        input_ids = torch.full((len(ids), width), self.pad_id)
        attention_mask = torch.zeros(len(ids), width, dtype=torch.long)
        for r, seq in enumerate(ids):
            input_ids[r, :len(seq)] = torch.tensor(seq)
            attention_mask[r, :len(seq)] = 1
        return {"input_ids": input_ids, "attention_mask": attention_mask}


class AttentionPool(nn.Module):
    def __init__(self, d, heads=4):
        super().__init__()
        self.query = nn.Parameter(torch.randn(1, 1, d) * 0.02)
        self.mha = nn.MultiheadAttention(d, heads, batch_first=True)

    def forward(self, h, attention_mask):
        q = self.query.expand(h.size(0), -1, -1)
        out, _ = self.mha(q, h, h, key_padding_mask=attention_mask.bool())
        return out.squeeze(1)


class ReviewScorer(nn.Module):
    def __init__(self, vocab=30000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.ff = nn.Sequential(nn.Linear(d, d), nn.GELU())
        self.pool = AttentionPool(d)
        self.cls = nn.Linear(d, 5)

    def forward(self, input_ids, attention_mask):
        return self.cls(self.pool(self.ff(self.emb(input_ids)), attention_mask))


WORDS = "good bad great awful fine product quality price delivery broken love hate ok".split()


def make_corpus(n):
    texts = [" ".join(np.random.choice(WORDS, np.random.randint(3, 40))) for _ in range(n)]
    return texts, np.random.randint(0, 5, n).tolist()


class TextDS(Dataset):
    def __init__(self, texts, labels):
        self.texts, self.labels = texts, labels

    def __len__(self):
        return len(self.texts)

    def __getitem__(self, i):
        return self.texts[i], self.labels[i]


def main():
    args = parse_args()
    set_seed(args.seed)
    tok = ToyTokenizer()

    def collate(batch):
        texts, labels = zip(*batch)
        enc = tok(list(texts))
        enc["labels"] = torch.tensor(labels)
        return enc

    loader = DataLoader(TextDS(*make_corpus(5000)), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    model = ReviewScorer().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for batch in loader:
            batch = {k: v.to(args.device) for k, v in batch.items()}
            logits = model(batch["input_ids"], batch["attention_mask"])
            loss = F.cross_entropy(logits, batch["labels"])
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), logits.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
