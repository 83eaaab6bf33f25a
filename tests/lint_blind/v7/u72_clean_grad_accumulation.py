# expect: clean
# style: accelerate-like loop with gradient accumulation and a Trainer config, summarisation-style seq2seq with nn.Transformer
# note: backward() runs every micro-batch while zero_grad() runs only every accum_steps, which looks like TVL003, but zero_grad() follows each optimizer.step() so gradients are cleared once per update, by design.
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("s2s")
PAD = 0


@dataclass
class Args:
    vocab: int = 8000
    d_model: int = 256
    epochs: int = 3
    micro_bs: int = 8
    accum_steps: int = 8
    lr: float = 3e-4
    max_grad_norm: float = 1.0


class Summariser(nn.Module):
    def __init__(self, a):
        super().__init__()
        self.emb = nn.Embedding(a.vocab, a.d_model, padding_idx=PAD)
        self.tf = nn.Transformer(a.d_model, 4, 3, 3, 4 * a.d_model, 0.1, batch_first=True)
        self.lm = nn.Linear(a.d_model, a.vocab)

    def forward(self, src, tgt_in):
        causal = self.tf.generate_square_subsequent_mask(tgt_in.size(1))
        h = self.tf(self.emb(src), self.emb(tgt_in), tgt_mask=causal,
                    src_key_padding_mask=src == PAD, tgt_key_padding_mask=tgt_in == PAD,
                    memory_key_padding_mask=src == PAD)
        return self.lm(h)


def log_setup(a, n_micro_batches):
    eff = a.micro_bs * a.accum_steps
    logger.info("micro batch %d x accum %d = effective batch %d", a.micro_bs, a.accum_steps, eff)
    logger.info("%d micro-batches per epoch -> %d optimizer updates per epoch", n_micro_batches,
                math.ceil(n_micro_batches / a.accum_steps))


def save(model, opt, update, path="summariser.pt"):
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "update": update}, path)


def train(a):
    src = torch.randint(1, a.vocab, (4000, 200))
    tgt = torch.randint(1, a.vocab, (4000, 40))
    loader = DataLoader(TensorDataset(src, tgt), batch_size=a.micro_bs, shuffle=True, drop_last=True)
    model = Summariser(a)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    updates_per_epoch = math.ceil(len(loader) / a.accum_steps)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100) *
                                              max(0.0, 1 - s / (a.epochs * updates_per_epoch)))
    log_setup(a, len(loader))
    model.train()
    opt.zero_grad(set_to_none=True)
    update = 0
    for epoch in range(a.epochs):
        window_loss = 0.0
        for i, (s, t) in enumerate(loader):
            logits = model(s, t[:, :-1])
            loss = F.cross_entropy(logits.reshape(-1, a.vocab), t[:, 1:].reshape(-1), ignore_index=PAD)
            (loss / a.accum_steps).backward()
            window_loss += loss.item() / a.accum_steps
            if (i + 1) % a.accum_steps == 0 or i + 1 == len(loader):
                nn.utils.clip_grad_norm_(model.parameters(), a.max_grad_norm)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                update += 1
                if update % 20 == 0:
                    logger.info("epoch %d update %d loss %.4f lr %.2e", epoch, update, window_loss,
                                sched.get_last_lr()[0])
                window_loss = 0.0
        save(model, opt, update)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(Args())
