# expect: TVL006
# style: seq2seq NMT script with separate encoder LR
# bug: enc_opt covers model.encoder and opt covers model.parameters() (which also includes the encoder), so encoder weights are stepped by two optimizers.
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


class Seq2Seq(nn.Module):
    def __init__(self, vocab=8000, d=256):
        super().__init__()
        self.src_emb = nn.Embedding(vocab, d)
        self.tgt_emb = nn.Embedding(vocab, d)
        self.encoder = nn.GRU(d, d, batch_first=True)
        self.decoder = nn.GRU(d, d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        _, h = self.encoder(self.src_emb(src))
        dec, _ = self.decoder(self.tgt_emb(tgt_in), h)
        return self.out(dec)


args = parse_args()
set_seed(args.seed)
src = torch.randint(1, 8000, (5000, 30))
tgt = torch.randint(1, 8000, (5000, 31))
loader = DataLoader(TensorDataset(src, tgt), batch_size=args.batch_size, shuffle=True)
model = Seq2Seq().to(args.device)

# encoder gets a smaller LR because it is initialised from the LM checkpoint
enc_opt = torch.optim.Adam(model.encoder.parameters(), lr=args.lr * 0.1)
opt = torch.optim.Adam(model.parameters(), lr=args.lr)

for epoch in range(args.epochs):
    model.train()
    meter = AverageMeter("nll")
    for s, t in loader:
        s, t = s.to(args.device), t.to(args.device)
        logits = model(s, t[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), t[:, 1:].reshape(-1), ignore_index=0)
        enc_opt.zero_grad()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        enc_opt.step()
        opt.step()
        meter.update(loss.item(), s.size(0))
    logger.info("epoch %d nll %.4f ppl %.1f", epoch, meter.avg, np.exp(meter.avg))
    save_checkpoint({"model": model.state_dict()}, args.out_dir)
