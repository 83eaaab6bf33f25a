# expect: TVL010
# style: transformer text classifier with collate helper
# bug: lengths_to_mask() returns True for real tokens and that mask is passed as src_key_padding_mask, where True means 'ignore'.
import argparse
import json
import logging
import math
import os
import time
from collections import defaultdict

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
log = logging.getLogger(__name__)
logger = log


def parse_args(extra=None):
    parser = argparse.ArgumentParser(description="training script")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out-dir", type=str, default="./outputs")
    parser.add_argument("--device", type=str, default="cuda")
    parser.add_argument("--log-every", type=int, default=20)
    if extra:
        extra(parser)
    args = parser.parse_args()
    if not torch.cuda.is_available():
        args.device = "cpu"
    return args


def set_seed(seed):
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.sum, self.count = 0.0, 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(1, self.count)


def dump_metrics(history, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "metrics.json"), "w") as f:
        json.dump(history, f, indent=2)


def save_checkpoint(state, out_dir, name="checkpoint.pt"):
    os.makedirs(out_dir, exist_ok=True)
    torch.save(state, os.path.join(out_dir, name))


def lengths_to_mask(lengths, max_len):
    # (B, T) boolean mask of real tokens
    return torch.arange(max_len)[None, :] < lengths[:, None]


def collate(batch):
    seqs, labels = zip(*batch)
    lengths = torch.tensor([len(s) for s in seqs])
    max_len = int(lengths.max())
    padded = torch.zeros(len(seqs), max_len, dtype=torch.long)
    for i, s in enumerate(seqs):
        padded[i, :len(s)] = s
    return padded, lengths_to_mask(lengths, max_len), torch.tensor(labels)


class VarLenText(Dataset):
    def __init__(self, n, vocab, n_cls):
        self.items = [(torch.randint(1, vocab, (int(np.random.randint(8, 120)),)), int(np.random.randint(n_cls)))
                      for _ in range(n)]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


class TransformerClassifier(nn.Module):
    def __init__(self, vocab, d=128, n_cls=4, max_len=512):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Parameter(torch.randn(1, max_len, d) * 0.02)
        layer = nn.TransformerEncoderLayer(d, 4, 256, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 3)
        self.fc = nn.Linear(d, n_cls)

    def forward(self, tok, mask):
        h = self.emb(tok) + self.pos[:, :tok.size(1)]
        h = self.encoder(h, src_key_padding_mask=mask)
        m = mask.unsqueeze(-1).float()
        return self.fc((h * m).sum(1) / m.sum(1))


def main():
    args = parse_args()
    set_seed(args.seed)
    train_loader = DataLoader(VarLenText(4000, 10000, 4), batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    model = TransformerClassifier(10000).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    for epoch in range(args.epochs):
        model.train()
        meter = AverageMeter()
        for tok, mask, y in train_loader:
            tok, mask, y = tok.to(args.device), mask.to(args.device), y.to(args.device)
            loss = F.cross_entropy(model(tok, mask), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            meter.update(loss.item(), tok.size(0))
        logger.info("epoch %d loss %.4f", epoch, meter.avg)
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
