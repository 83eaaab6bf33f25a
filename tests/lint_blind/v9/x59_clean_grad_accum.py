# expect: clean
# style: HF-like manual loop with gradient accumulation and warmup scheduler (NLP summarization-ish seq2seq)
# note: zero_grad() is only called inside the accumulation branch, but right after optimizer.step(), so gradients are cleared before each new accumulation window.
import os
import random
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


@dataclass
class Cfg:
    vocab: int = 6000
    d: int = 256
    lr: float = 3e-4
    epochs: int = 3
    bs: int = 8
    accum: int = 8
    warmup: int = 100


class GRUSeq2Seq(nn.Module):
    def __init__(self, vocab, d):
        super().__init__()
        self.emb = nn.Embedding(vocab, d, padding_idx=0)
        self.enc = nn.GRU(d, d, batch_first=True)
        self.dec = nn.GRU(d, d, batch_first=True)
        self.out = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        _, h = self.enc(self.emb(src))
        o, _ = self.dec(self.emb(tgt_in), h)
        return self.out(o)


def warmup_linear(warmup, total):
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return f


def main(cfg=Cfg()):
    src = torch.randint(1, cfg.vocab, (3200, 100))
    tgt = torch.randint(1, cfg.vocab, (3200, 30))
    dl = DataLoader(TensorDataset(src, tgt), batch_size=cfg.bs, shuffle=True)
    model = GRUSeq2Seq(cfg.vocab, cfg.d)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    total_updates = math.ceil(len(dl) / cfg.accum) * cfg.epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, warmup_linear(cfg.warmup, total_updates))

    update = 0
    for epoch in range(cfg.epochs):
        model.train()
        window = 0.0
        opt.zero_grad()
        for step, (s, t) in enumerate(dl):
            logits = model(s, t[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), t[:, 1:].reshape(-1), ignore_index=0)
            (loss / cfg.accum).backward()
            window += loss.item() / cfg.accum
            last = step + 1 == len(dl)
            if (step + 1) % cfg.accum == 0 or last:
                nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                opt.zero_grad()
                update += 1
                if update % 20 == 0:
                    print(f"epoch {epoch} update {update} loss {window:.4f} lr {sched.get_last_lr()[0]:.2e}")
                window = 0.0
    torch.save(model.state_dict(), "gru_s2s.pt")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
