# expect: clean
# style: Trainer class with per-iteration scheduler built from total steps (speech emotion recognition)
# note: CosineAnnealingLR is stepped every batch, but its T_max is epochs * len(train_loader) (iterations), and it is stepped after optimizer.step().
import os
import random
import logging
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

log = logging.getLogger("ser")


@dataclass
class TrainConfig:
    epochs: int = 20
    lr: float = 1e-3
    min_lr: float = 1e-6
    batch_size: int = 32
    n_classes: int = 7


class AttnPoolCNN(nn.Module):
    def __init__(self, n_mels=64, n_classes=7):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(),
            nn.Conv1d(128, 128, 5, padding=2), nn.BatchNorm1d(128), nn.ReLU(),
        )
        self.att = nn.Conv1d(128, 1, 1)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        h = self.conv(x)
        w = torch.softmax(self.att(h), dim=-1)
        return self.fc((h * w).sum(-1))


class Trainer:
    def __init__(self, cfg: TrainConfig, model, train_loader, val_loader):
        self.cfg, self.model = cfg, model
        self.train_loader, self.val_loader = train_loader, val_loader
        self.opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-2)
        total_iters = cfg.epochs * len(train_loader)
        self.sched = torch.optim.lr_scheduler.CosineAnnealingLR(self.opt, T_max=total_iters, eta_min=cfg.min_lr)

    def train_step(self, x, y):
        self.opt.zero_grad()
        loss = F.cross_entropy(self.model(x), y)
        loss.backward()
        self.opt.step()
        self.sched.step()
        return loss.item()

    @torch.no_grad()
    def evaluate(self):
        self.model.eval()
        correct = n = 0
        for x, y in self.val_loader:
            correct += (self.model(x).argmax(-1) == y).sum().item()
            n += len(y)
        return correct / n

    def fit(self):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            losses = [self.train_step(x, y) for x, y in self.train_loader]
            acc = self.evaluate()
            log.info("epoch %d loss %.4f val_acc %.4f lr %.2e", epoch, sum(losses) / len(losses), acc, self.sched.get_last_lr()[0])


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    cfg = TrainConfig()
    tr = DataLoader(TensorDataset(torch.randn(2400, 64, 300), torch.randint(0, 7, (2400,))), batch_size=cfg.batch_size, shuffle=True)
    va = DataLoader(TensorDataset(torch.randn(400, 64, 300), torch.randint(0, 7, (400,))), batch_size=64)
    Trainer(cfg, AttnPoolCNN(), tr, va).fit()
