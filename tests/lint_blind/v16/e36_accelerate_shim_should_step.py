# expect: TVL011
# style: small accelerate-like shim (Accelerator.backward/clip) with a policy deciding whether to step, contrastive sentence embeddings
# bug: StepPolicy.should_step() returns False when the clipped-before norm is above max_norm * 10, and the loop just continues; skipped updates are neither counted nor reported
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("simcse")


class Accelerator:
    """Tiny stand-in for accelerate.Accelerator used in our CPU tests."""

    def __init__(self, device=None):
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")

    def prepare(self, *objs):
        return tuple(o.to(self.device) if isinstance(o, nn.Module) else o for o in objs)

    def backward(self, loss):
        loss.backward()

    def clip_grad_norm_(self, params, max_norm):
        return nn.utils.clip_grad_norm_(params, max_norm)

    def print(self, *a):
        print(*a)


@dataclass
class StepPolicy:
    max_norm: float = 1.0
    explode_factor: float = 10.0

    def should_step(self, grad_norm):
        return math.isfinite(grad_norm) and grad_norm < self.max_norm * self.explode_factor


class SentenceEncoder(nn.Module):
    def __init__(self, vocab=30000, d=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.rnn = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.drop = nn.Dropout(0.1)
        self.proj = nn.Linear(2 * d, d)

    def forward(self, ids):
        h, _ = self.rnn(self.drop(self.emb(ids)))
        return self.proj(h.mean(1))


def simcse_loss(model, ids, temp=0.05):
    a = F.normalize(model(ids), dim=-1)
    b = F.normalize(model(ids), dim=-1)  # different dropout masks
    sim = a @ b.t() / temp
    return F.cross_entropy(sim, torch.arange(len(ids), device=ids.device))


def main(epochs=3, lr=3e-5):
    logging.basicConfig(level=logging.INFO)
    accelerator = Accelerator()
    ids = torch.randint(1, 30000, (20000, 32))
    loader = DataLoader(TensorDataset(ids), batch_size=64, shuffle=True, drop_last=True)
    model = SentenceEncoder()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    (model,) = accelerator.prepare(model)
    policy = StepPolicy(max_norm=1.0)
    total_steps = epochs * len(loader)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 1 - s / total_steps)
    step = 0
    for epoch in range(epochs):
        model.train()
        for (batch,) in loader:
            batch = batch.to(accelerator.device)
            loss = simcse_loss(model, batch)
            optimizer.zero_grad()
            accelerator.backward(loss)
            grad_norm = accelerator.clip_grad_norm_(model.parameters(), policy.max_norm).item()
            if not policy.should_step(grad_norm):
                continue
            optimizer.step()
            scheduler.step()
            step += 1
            if step % 100 == 0:
                logger.info("epoch %d step %d loss %.4f grad_norm %.3f", epoch, step, loss.item(), grad_norm)
    torch.save(model.state_dict(), "simcse_encoder.pt")


if __name__ == "__main__":
    main()
