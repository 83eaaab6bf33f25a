# expect: clean
# style: accelerate-like shim (`Accel` class with backward/clip/step) for mixed-precision fine-tuning of a token classifier
# note: AMP with gradient clipping looks like TVL016, but the shim calls scaler.unscale_ before clip_grad_norm_, and scaler.update() runs after every scaler.step()
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("accel")


class Accel:
    """Tiny subset of an accelerate-like API."""

    def __init__(self, mixed_precision=True):
        self.device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        self.use_amp = mixed_precision and self.device.type == "cuda"
        self.scaler = torch.cuda.amp.GradScaler(enabled=self.use_amp)
        self._unscaled = False

    def prepare(self, model, optimizer):
        return model.to(self.device), optimizer

    def autocast(self):
        return torch.autocast(device_type=self.device.type, dtype=torch.float16, enabled=self.use_amp)

    def backward(self, loss):
        self._unscaled = False
        self.scaler.scale(loss).backward()

    def clip_grad_norm_(self, params, max_norm, optimizer):
        if not self._unscaled:
            self.scaler.unscale_(optimizer)
            self._unscaled = True
        return torch.nn.utils.clip_grad_norm_(params, max_norm)

    def step(self, optimizer):
        self.scaler.step(optimizer)
        self.scaler.update()


class Tagger(nn.Module):
    def __init__(self, vocab=20000, d=256, n_tags=9):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        layer = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True, dropout=0.1)
        self.enc = nn.TransformerEncoder(layer, 4)
        self.out = nn.Linear(d, n_tags)

    def forward(self, ids):
        return self.out(self.enc(self.emb(ids), src_key_padding_mask=ids.eq(0)))


def synthetic(n, L=64, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, 20000, (n, L))
    lens = rng.integers(10, L, n)
    mask = np.arange(L)[None] >= lens[:, None]
    ids[mask] = 0
    tags = (ids % 9).astype(np.int64)
    tags[mask] = -100
    return TensorDataset(torch.from_numpy(ids).long(), torch.from_numpy(tags))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--max-grad-norm", type=float, default=1.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    acc = Accel(mixed_precision=True)
    model = Tagger()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    model, opt = acc.prepare(model, opt)
    train_dl = DataLoader(synthetic(20000), batch_size=32, shuffle=True)
    dev_dl = DataLoader(synthetic(2000, seed=1), batch_size=128)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for ids, tags in train_dl:
            ids, tags = ids.to(acc.device), tags.to(acc.device)
            with acc.autocast():
                logits = model(ids)
                loss = F.cross_entropy(logits.float().view(-1, 9), tags.view(-1), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            acc.backward(loss)
            acc.clip_grad_norm_(model.parameters(), args.max_grad_norm, opt)
            acc.step(opt)
            tot += loss.item()
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for ids, tags in dev_dl:
                pred = model(ids.to(acc.device)).argmax(-1).cpu()
                m = tags != -100
                correct += (pred[m] == tags[m]).sum().item()
                total += m.sum().item()
        log.info("epoch %d loss %.4f token acc %.4f scale %.0f", epoch, tot / len(train_dl), correct / total,
                 acc.scaler.get_scale())
    os.makedirs("accel_out", exist_ok=True)
    torch.save(model.state_dict(), "accel_out/tagger.pt")


if __name__ == "__main__":
    main()
