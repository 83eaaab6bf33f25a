# expect: clean
# style: scheduler factory from a dataclass config, per-iteration cosine schedule for a speech-to-intent model
# note: CosineAnnealingLR is stepped every batch, but build_scheduler() sets T_max to epochs * iters_per_epoch (and warmup in iterations), so it is an iteration-based schedule
import logging
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("s2i")


@dataclass
class SchedConfig:
    name: str = "cosine"
    warmup_iters: int = 300
    min_lr: float = 1e-5


@dataclass
class Config:
    epochs: int = 25
    lr: float = 1e-3
    batch_size: int = 32
    n_intents: int = 31
    sched: SchedConfig = field(default_factory=SchedConfig)


def build_scheduler(optimizer, cfg: Config, iters_per_epoch: int):
    total = cfg.epochs * iters_per_epoch
    if cfg.sched.name != "cosine":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda _: 1.0)
    warm = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=cfg.sched.warmup_iters)
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - cfg.sched.warmup_iters,
                                                     eta_min=cfg.sched.min_lr)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warm, cos], milestones=[cfg.sched.warmup_iters])


class SpeechIntent(nn.Module):
    def __init__(self, n_mels=80, d=192, n_intents=31):
        super().__init__()
        self.front = nn.Sequential(nn.Conv1d(n_mels, d, 3, 2, 1), nn.GELU(), nn.Conv1d(d, d, 3, 2, 1), nn.GELU())
        self.gru = nn.GRU(d, d, batch_first=True, bidirectional=True)
        self.cls = nn.Linear(2 * d, n_intents)

    def forward(self, mel):
        h = self.front(mel).transpose(1, 2)
        h, _ = self.gru(h)
        return self.cls(h.mean(1))


def run(cfg: Config):
    logging.basicConfig(level=logging.INFO)
    mel = torch.randn(4000, 80, 200)
    intent = torch.randint(0, cfg.n_intents, (4000,))
    train_loader = DataLoader(TensorDataset(mel[:3500], intent[:3500]), batch_size=cfg.batch_size, shuffle=True)
    val_loader = DataLoader(TensorDataset(mel[3500:], intent[3500:]), batch_size=250)
    model = SpeechIntent(n_intents=cfg.n_intents)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    scheduler = build_scheduler(optimizer, cfg, len(train_loader))
    it = 0
    for epoch in range(cfg.epochs):
        model.train()
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            it += 1
            if it % 100 == 0:
                log.info("iter %d loss %.4f lr %.2e", it, loss.item(), scheduler.get_last_lr()[0])
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(1) == y).sum().item() for x, y in val_loader) / 500
        log.info("epoch %d intent acc %.4f", epoch, acc)


if __name__ == "__main__":
    run(Config())
