# expect: clean
# style: HF-like Trainer with gradient accumulation, zero_grad placed after the optimizer step
# note: gradients are intentionally accumulated over accum_steps micro-batches; zero_grad() runs right after step() (never between backward and step), and the scheduler is a per-update warmup schedule
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    epochs: int = 3
    micro_batch_size: int = 8
    accum_steps: int = 8
    lr: float = 1e-4
    warmup_updates: int = 100
    max_grad_norm: float = 1.0


class SummarizationToy(Dataset):
    def __init__(self, n, vocab=6000, src_len=128, tgt_len=32):
        g = torch.Generator().manual_seed(0)
        self.src = torch.randint(3, vocab, (n, src_len), generator=g)
        self.tgt = torch.randint(3, vocab, (n, tgt_len), generator=g)

    def __len__(self):
        return len(self.src)

    def __getitem__(self, i):
        return self.src[i], self.tgt[i]


class TinySeq2Seq(nn.Module):
    def __init__(self, vocab=6000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.tf = nn.Transformer(d, 4, 2, 2, 4 * d, batch_first=True)
        self.lm = nn.Linear(d, vocab)

    def forward(self, src, tgt_in):
        causal = self.tf.generate_square_subsequent_mask(tgt_in.size(1))
        h = self.tf(self.emb(src), self.emb(tgt_in), tgt_mask=causal)
        return self.lm(h)


class Trainer:
    def __init__(self, model, cfg, dataset):
        self.model, self.cfg = model, cfg
        self.loader = DataLoader(dataset, batch_size=cfg.micro_batch_size, shuffle=True, drop_last=True)
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
        total_updates = cfg.epochs * math.ceil(len(self.loader) / cfg.accum_steps)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda u: min(1.0, (u + 1) / cfg.warmup_updates) * max(0.0, 1 - u / total_updates))
        self.updates = 0

    def micro_step(self, src, tgt):
        logits = self.model(src, tgt[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), tgt[:, 1:].reshape(-1))
        (loss / self.cfg.accum_steps).backward()
        return loss.item()

    def optimizer_update(self):
        gn = nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.max_grad_norm)
        self.optimizer.step()
        self.scheduler.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.updates += 1
        return gn.item()

    def train(self):
        self.model.train()
        self.optimizer.zero_grad(set_to_none=True)
        for epoch in range(self.cfg.epochs):
            window = []
            for i, (src, tgt) in enumerate(self.loader):
                window.append(self.micro_step(src, tgt))
                if (i + 1) % self.cfg.accum_steps == 0 or i + 1 == len(self.loader):
                    gn = self.optimizer_update()
                    if self.updates % 20 == 0:
                        logger.info("epoch %d update %d loss %.4f gnorm %.2f lr %.2e", epoch, self.updates,
                                    sum(window) / len(window), gn, self.scheduler.get_last_lr()[0])
                    window = []


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    t = Trainer(TinySeq2Seq(), TrainConfig(), SummarizationToy(4000))
    t.train()
    torch.save(t.model.state_dict(), "seq2seq.pt")
