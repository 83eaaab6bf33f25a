# expect: TVL011
# style: hand-written Trainer for a Transformer LM (callbacks-less, helpers module style: grad_norm(), should_step(), train_step())
# bug: should_step() returns False when the total gradient norm is non-finite or above cfg["max_grad_norm_skip"], and train_step() then silently skips optimizer.step() without counting the skipped update
import argparse
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("trainer")

DEFAULTS = {"lr": 6e-4, "max_grad_norm_skip": 10.0, "epochs": 2, "batch_size": 16, "log_every": 50}


def grad_norm(params):
    norms = [p.grad.detach().norm(2) for p in params if p.grad is not None]
    return torch.norm(torch.stack(norms), 2).item() if norms else 0.0


def should_step(model, cfg):
    gn = grad_norm(model.parameters())
    return math.isfinite(gn) and gn <= cfg["max_grad_norm_skip"]


class LM(nn.Module):
    def __init__(self, vocab=4096, d=256, layers=2):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        enc = nn.TransformerEncoderLayer(d, 4, 4 * d, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(enc, layers)
        self.out = nn.Linear(d, vocab)

    def forward(self, x):
        T = x.size(1)
        causal = nn.Transformer.generate_square_subsequent_mask(T)
        return self.out(self.body(self.emb(x), mask=causal, is_causal=True))


def train_step(model, optimizer, batch, cfg):
    x, y = batch
    logits = model(x)
    loss = nn.functional.cross_entropy(logits.flatten(0, 1), y.flatten())
    optimizer.zero_grad()
    loss.backward()
    if should_step(model, cfg):
        optimizer.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    for k, v in DEFAULTS.items():
        ap.add_argument(f"--{k}", type=type(v), default=v)
    cfg = vars(ap.parse_args())
    seq = torch.randint(0, 4096, (1024, 65))
    loader = DataLoader(TensorDataset(seq[:, :-1], seq[:, 1:]), batch_size=cfg["batch_size"], shuffle=True)
    model = LM()
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg["lr"], betas=(0.9, 0.95))
    step = 0
    for epoch in range(cfg["epochs"]):
        model.train()
        for batch in loader:
            loss = train_step(model, optimizer, batch, cfg)
            step += 1
            if step % cfg["log_every"] == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, loss)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
