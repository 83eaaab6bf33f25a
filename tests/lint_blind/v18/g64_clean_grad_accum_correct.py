# expect: clean
# style: gradient accumulation Trainer (image-text retrieval-ish dual encoder), accumulation helper
# note: zero_grad() is not called every micro-batch, which looks like TVL003, but gradients are intentionally accumulated over accum_steps micro-batches and cleared right after every optimizer.step() (including the tail of the epoch).
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("dual")


@dataclass
class Config:
    accum_steps: int = 4
    micro_batch: int = 32
    lr: float = 5e-4
    epochs: int = 6
    dim: int = 96


class DualEncoder(nn.Module):
    def __init__(self, d_img=512, d_txt=300, dim=96):
        super().__init__()
        self.img = nn.Sequential(nn.Linear(d_img, 256), nn.ReLU(), nn.Linear(256, dim))
        self.txt = nn.Sequential(nn.Linear(d_txt, 256), nn.ReLU(), nn.Linear(256, dim))
        self.log_scale = nn.Parameter(torch.tensor(2.3))

    def forward(self, img, txt):
        a, b = F.normalize(self.img(img), dim=-1), F.normalize(self.txt(txt), dim=-1)
        return self.log_scale.exp() * a @ b.t()


class Accumulator:
    def __init__(self, model, optimizer, steps):
        self.model, self.optimizer, self.steps = model, optimizer, steps
        self.pending = 0
        self.updates = 0

    def backward(self, loss):
        (loss / self.steps).backward()
        self.pending += 1
        if self.pending == self.steps:
            self.flush()

    def flush(self):
        if self.pending == 0:
            return
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.pending = 0
        self.updates += 1


def pairs(n, seed):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 64, generator=g)
    img = torch.cat([z, torch.randn(n, 448, generator=g)], 1)
    txt = torch.cat([z @ torch.randn(64, 64, generator=g), torch.randn(n, 236, generator=g)], 1)
    return TensorDataset(img, txt)


def recall_at_1(model, img, txt):
    model.eval()
    with torch.no_grad():
        sims = model(img, txt)
    model.train()
    return (sims.argmax(1) == torch.arange(len(img))).float().mean().item()


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = Config()
    ds = pairs(12000, 0)
    val_img, val_txt = pairs(1000, 1).tensors
    loader = DataLoader(ds, batch_size=cfg.micro_batch, shuffle=True, drop_last=True)
    model = DualEncoder(dim=cfg.dim)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.1)
    acc = Accumulator(model, opt, cfg.accum_steps)
    opt.zero_grad(set_to_none=True)

    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for img, txt in loader:
            logits = model(img, txt)
            labels = torch.arange(len(img))
            loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
            acc.backward(loss)
            tot += loss.item()
        acc.flush()
        log.info("epoch %d loss %.4f updates %d R@1 %.4f", epoch, tot / len(loader), acc.updates,
                 recall_at_1(model, val_img, val_txt))
    torch.save(model.state_dict(), "dual_encoder.pt")


if __name__ == "__main__":
    main()
