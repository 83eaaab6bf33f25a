# expect: TVL016
# style: small AMP helper class (apex/NativeScaler-like) used by a Trainer, text summarisation-lite seq2seq
# bug: AmpOptimizer.step() calls scaler.step() but scaler.update() lives in end_of_epoch() which the Trainer never calls, so the loss scale is never updated after each step
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("s2s")


class AmpOptimizer:
    def __init__(self, optimizer, enabled=True, clip=1.0):
        self.optimizer = optimizer
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)
        self.clip = clip

    def zero_grad(self):
        self.optimizer.zero_grad(set_to_none=True)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def step(self, params):
        self.scaler.unscale_(self.optimizer)
        norm = torch.nn.utils.clip_grad_norm_(params, self.clip)
        self.scaler.step(self.optimizer)
        return norm

    def end_of_epoch(self):
        self.scaler.update()

    def state_dict(self):
        return {"opt": self.optimizer.state_dict(), "scaler": self.scaler.state_dict()}


class Seq2Seq(nn.Module):
    def __init__(self, vocab=16000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.tf = nn.Transformer(d, 4, 3, 3, 1024, dropout=0.1, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        T = tgt_in.size(1)
        causal = self.tf.generate_square_subsequent_mask(T, device=src.device)
        h = self.tf(self.emb(src), self.emb(tgt_in), tgt_mask=causal,
                    src_key_padding_mask=src == 0, tgt_key_padding_mask=tgt_in == 0, memory_key_padding_mask=src == 0)
        return self.out(h)


class Trainer:
    def __init__(self, model, amp_opt, device):
        self.model, self.amp_opt, self.device = model, amp_opt, device

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for src, tgt in loader:
            src, tgt = src.to(self.device), tgt.to(self.device)
            self.amp_opt.zero_grad()
            with torch.autocast(device_type="cuda", enabled=self.device == "cuda"):
                logits = self.model(src, tgt[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1), ignore_index=0)
            self.amp_opt.backward(loss)
            self.amp_opt.step(self.model.parameters())
            tot += loss.item()
        return tot / len(loader)

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        tot = 0.0
        for src, tgt in loader:
            logits = self.model(src.to(self.device), tgt[:, :-1].to(self.device))
            tot += F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1).to(self.device),
                                   ignore_index=0).item()
        self.model.train()
        return tot / len(loader)


def fake_pairs(n, ls=120, lt=30, vocab=16000):
    src = torch.randint(3, vocab, (n, ls))
    tgt = torch.randint(3, vocab, (n, lt))
    tgt[:, 0] = 1
    src[:, -20:] = 0
    tgt[:, -5:] = 0
    return TensorDataset(src, tgt)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=5e-4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    model = Seq2Seq().to(dev)
    amp_opt = AmpOptimizer(torch.optim.AdamW(model.parameters(), lr=args.lr), enabled=dev == "cuda")
    trainer = Trainer(model, amp_opt, dev)
    tr = DataLoader(fake_pairs(5000), batch_size=32, shuffle=True)
    va = DataLoader(fake_pairs(500), batch_size=64)
    for ep in range(args.epochs):
        logger.info("epoch %d train %.4f val %.4f", ep, trainer.train_epoch(tr), trainer.validate(va))
        torch.save({"model": model.state_dict(), **amp_opt.state_dict()}, "s2s.pt")
