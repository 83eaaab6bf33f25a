# expect: clean
# style: HF-style batch into nn.TransformerEncoder
# note: The batch carries an HF-style attention_mask (1 = real token) and encode() converts it with ~attention_mask.bool() before passing src_key_padding_mask (True = ignore).
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


def collate(batch, pad_id=0):
    seqs, labels = zip(*batch)
    width = max(len(s) for s in seqs)
    input_ids = torch.full((len(seqs), width), pad_id, dtype=torch.long)
    attention_mask = torch.zeros(len(seqs), width, dtype=torch.long)
    for i, s in enumerate(seqs):
        input_ids[i, :len(s)] = s
        attention_mask[i, :len(s)] = 1
    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": torch.tensor(labels)}


class Items(Dataset):
    def __init__(self, n):
        self.data = [(torch.randint(1, 9000, (int(np.random.randint(4, 80)),)), int(np.random.randint(2))) for _ in range(n)]

    def __len__(self):
        return len(self.data)

    def __getitem__(self, i):
        return self.data[i]


class Encoder(nn.Module):
    def __init__(self, vocab=9000, d=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 4, 256, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, 2)
        self.cls = nn.Linear(d, 2)

    def encode(self, input_ids, attention_mask):
        pad = ~attention_mask.bool()
        return self.enc(self.emb(input_ids), src_key_padding_mask=pad)

    def forward(self, input_ids, attention_mask):
        h = self.encode(input_ids, attention_mask)
        m = attention_mask.unsqueeze(-1).float()
        return self.cls((h * m).sum(1) / m.sum(1).clamp(min=1))


def main():
    args = parse_args()
    set_seed(args.seed)
    loader = DataLoader(Items(4000), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    model = Encoder().to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for batch in loader:
            batch = {k: v.to(args.device) for k, v in batch.items()}
            opt.zero_grad()
            loss = F.cross_entropy(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
            loss.backward()
            opt.step()
            meter.update(loss.item(), batch["labels"].size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
