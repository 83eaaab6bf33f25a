# expect: TVL004
# style: shared run_epoch(train=bool) helper, speech CTC
# bug: run_epoch() guards backward() with `if train` but optimizer.step() sits outside the guard, so the validation pass also steps the optimizer.
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


class CTCModel(nn.Module):
    def __init__(self, n_mels=80, hid=192, vocab=32):
        super().__init__()
        self.rnn = nn.GRU(n_mels, hid, num_layers=2, batch_first=True, bidirectional=True)
        self.proj = nn.Linear(2 * hid, vocab)

    def forward(self, x):
        h, _ = self.rnn(x)
        return self.proj(h).log_softmax(-1)


def make_loader(n, shuffle, bs):
    feats = torch.randn(n, 120, 80)
    targets = torch.randint(1, 32, (n, 20))
    return DataLoader(TensorDataset(feats, targets), batch_size=bs, shuffle=shuffle)


def run_epoch(model, loader, optimizer, device, train):
    model.train(train)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    meter = AverageMeter("ctc")
    for feats, targets in loader:
        feats, targets = feats.to(device), targets.to(device)
        with torch.set_grad_enabled(train):
            logp = model(feats)
            in_lens = torch.full((feats.size(0),), logp.size(1), dtype=torch.long)
            tgt_lens = torch.full((feats.size(0),), targets.size(1), dtype=torch.long)
            loss = ctc(logp.transpose(0, 1), targets, in_lens, tgt_lens)
        if train:
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 400)
        optimizer.step()
        meter.update(loss.item(), feats.size(0))
    return meter.avg


def main():
    args = parse_args()
    set_seed(args.seed)
    train_loader = make_loader(1024, True, args.batch_size)
    dev_loader = make_loader(256, False, args.batch_size)
    model = CTCModel().to(args.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    history = []
    for epoch in range(args.epochs):
        tr = run_epoch(model, train_loader, optimizer, args.device, train=True)
        dv = run_epoch(model, dev_loader, optimizer, args.device, train=False)
        history.append({"epoch": epoch, "train": tr, "dev": dv})
        logger.info("epoch %d train %.3f dev %.3f", epoch, tr, dv)
    save_checkpoint({"model": model.state_dict(), "history": history}, args.out_dir)


if __name__ == "__main__":
    main()
