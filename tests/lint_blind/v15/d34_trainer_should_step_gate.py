# expect: TVL011
# style: Trainer class for a BERT-style masked LM, spike guard in a helper method
# bug: _should_step() returns False when the gradient norm exceeds spike_threshold and train_step() just skips optimizer.step(); the skip is neither counted nor logged, so divergence is hidden
import argparse
import logging
import math
import random

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("mlm")
PAD, MASK, CLS = 0, 1, 2


class RandomCorpus(Dataset):
    def __init__(self, n, vocab, max_len=64, seed=0):
        rnd = random.Random(seed)
        self.seqs = []
        for _ in range(n):
            L = rnd.randint(16, max_len - 1)
            start = rnd.randint(3, vocab - L - 1)
            self.seqs.append([CLS] + list(range(start, start + L)))
        self.max_len, self.vocab = max_len, vocab

    def __len__(self):
        return len(self.seqs)

    def __getitem__(self, i):
        ids = torch.full((self.max_len,), PAD)
        s = torch.tensor(self.seqs[i])
        ids[: len(s)] = s
        return ids


def mask_tokens(ids, vocab, p=0.15):
    labels = ids.clone()
    prob = torch.full(ids.shape, p)
    prob[ids == PAD] = 0.0
    prob[ids == CLS] = 0.0
    chosen = torch.bernoulli(prob).bool()
    labels[~chosen] = -100
    inputs = ids.clone()
    replace = torch.bernoulli(torch.full(ids.shape, 0.8)).bool() & chosen
    inputs[replace] = MASK
    rand = torch.bernoulli(torch.full(ids.shape, 0.5)).bool() & chosen & ~replace
    inputs[rand] = torch.randint(3, vocab, ids.shape)[rand]
    return inputs, labels


class TinyBert(nn.Module):
    def __init__(self, vocab, d=256, layers=4, heads=4, max_len=64):
        super().__init__()
        self.tok = nn.Embedding(vocab, d, padding_idx=PAD)
        self.pos = nn.Embedding(max_len, d)
        layer = nn.TransformerEncoderLayer(d, heads, 4 * d, 0.1, activation="gelu", batch_first=True)
        self.enc = nn.TransformerEncoder(layer, layers)
        self.lm = nn.Linear(d, vocab)

    def forward(self, ids):
        pos = torch.arange(ids.size(1), device=ids.device)
        h = self.enc(self.tok(ids) + self.pos(pos), src_key_padding_mask=ids.eq(PAD))
        return self.lm(h)


class MLMTrainer:
    def __init__(self, model, vocab, lr, spike_threshold=50.0, clip=1.0):
        self.model = model
        self.vocab = vocab
        self.opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
        self.spike_threshold = spike_threshold
        self.clip = clip
        self.step = 0

    def _should_step(self):
        total = torch.norm(torch.stack([p.grad.norm() for p in self.model.parameters() if p.grad is not None]))
        return bool(total < self.spike_threshold)

    def train_step(self, ids):
        inputs, labels = mask_tokens(ids, self.vocab)
        logits = self.model(inputs)
        loss = F.cross_entropy(logits.view(-1, self.vocab), labels.view(-1), ignore_index=-100)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        if self._should_step():
            nn.utils.clip_grad_norm_(self.model.parameters(), self.clip)
            self.opt.step()
        self.step += 1
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        tot, n = 0.0, 0
        for ids in loader:
            inputs, labels = mask_tokens(ids, self.vocab)
            logits = self.model(inputs)
            tot += F.cross_entropy(logits.view(-1, self.vocab), labels.view(-1), ignore_index=-100).item()
            n += 1
        self.model.train()
        return math.exp(tot / n)

    def fit(self, train_dl, val_dl, epochs):
        self.model.train()
        for ep in range(epochs):
            for ids in train_dl:
                loss = self.train_step(ids)
                if self.step % 100 == 0:
                    logger.info("step %d loss %.4f", self.step, loss)
            logger.info("epoch %d val ppl %.2f", ep, self.evaluate(val_dl))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--vocab", type=int, default=2000)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_dl = DataLoader(RandomCorpus(20000, args.vocab, seed=0), batch_size=64, shuffle=True)
    val_dl = DataLoader(RandomCorpus(1000, args.vocab, seed=1), batch_size=128)
    model = TinyBert(args.vocab)
    MLMTrainer(model, args.vocab, args.lr).fit(train_dl, val_dl, args.epochs)
    torch.save(model.state_dict(), "tinybert_mlm.pt")
