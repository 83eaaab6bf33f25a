# expect: clean
# style: distillation Trainer class (DistilBERT-like) for a sentiment task; teacher forward under no_grad in a helper
# note: a model forward under torch.no_grad() and a KL loss look like TVL001/TVL008, but the no_grad model is the frozen teacher, the student runs with grad, and KLDivLoss gets log_softmax(student) vs softmax(teacher)
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("distil")


class TextEncoder(nn.Module):
    def __init__(self, vocab, d, layers, heads, n_labels=2, max_len=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=0)
        self.pos = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, dropout=0.1, batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.cls = nn.Linear(d, n_labels)

    def forward(self, ids):
        pad = ids.eq(0)
        h = self.tok(ids) + self.pos(torch.arange(ids.size(1), device=ids.device))
        h = self.enc(h, src_key_padding_mask=pad)
        h = h.masked_fill(pad[..., None], 0).sum(1) / (~pad).sum(1, keepdim=True).clamp(min=1)
        return self.cls(h)


class DistillTrainer:
    def __init__(self, teacher, student, args, device):
        self.teacher = teacher.to(device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student.to(device)
        self.args = args
        self.device = device
        self.opt = torch.optim.AdamW(self.student.parameters(), lr=args.lr, weight_decay=0.01)
        self.kl = nn.KLDivLoss(reduction="batchmean")

    @torch.no_grad()
    def teacher_logits(self, ids):
        return self.teacher(ids)

    def loss(self, ids, labels):
        t = self.teacher_logits(ids)
        s = self.student(ids)
        T = self.args.temperature
        soft = self.kl(F.log_softmax(s / T, dim=-1), F.softmax(t / T, dim=-1)) * T * T
        hard = F.cross_entropy(s, labels)
        return self.args.alpha * soft + (1 - self.args.alpha) * hard, s

    def train_epoch(self, loader):
        self.student.train()
        tot, n = 0.0, 0
        for ids, labels in loader:
            ids, labels = ids.to(self.device), labels.to(self.device)
            loss, _ = self.loss(ids, labels)
            self.opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(self.student.parameters(), 1.0)
            self.opt.step()
            tot += loss.item() * ids.size(0)
            n += ids.size(0)
        return tot / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.student.eval()
        correct = n = 0
        for ids, labels in loader:
            pred = self.student(ids.to(self.device)).argmax(-1).cpu()
            correct += (pred == labels).sum().item()
            n += labels.numel()
        self.student.train()
        return correct / n


def synthetic(n, vocab=8000, L=64, seed=0):
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, vocab, (n, L))
    lens = rng.integers(8, L, n)
    ids[np.arange(L)[None, :] >= lens[:, None]] = 0
    labels = (ids[:, :4].sum(1) % 2).astype(np.int64)
    return TensorDataset(torch.from_numpy(ids).long(), torch.from_numpy(labels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher-ckpt", default="")
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--temperature", type=float, default=2.0)
    ap.add_argument("--alpha", type=float, default=0.5)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    teacher = TextEncoder(8000, 512, 6, 8)
    if args.teacher_ckpt and os.path.isfile(args.teacher_ckpt):
        teacher.load_state_dict(torch.load(args.teacher_ckpt, map_location="cpu", weights_only=True))
    student = TextEncoder(8000, 256, 2, 4)
    trainer = DistillTrainer(teacher, student, args, device)
    train_dl = DataLoader(synthetic(30000), batch_size=64, shuffle=True)
    dev_dl = DataLoader(synthetic(2000, seed=1), batch_size=256)
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_dl)
        acc = trainer.evaluate(dev_dl)
        logger.info("epoch %d loss %.4f dev acc %.4f", epoch, loss, acc)
    torch.save(student.state_dict(), "student.pt")


if __name__ == "__main__":
    main()
