# expect: TVL001
# style: config-dict factory, speech keyword spotting with a precision-context helper
# bug: precision_context() falls back to torch.no_grad() when AMP is off, and the config turns AMP off, so the training forward never builds a graph
import contextlib
import logging
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger(__name__)


@dataclass
class KwsConfig:
    n_mels: int = 40
    n_frames: int = 101
    n_keywords: int = 12
    channels: int = 64
    lr: float = 1e-3
    epochs: int = 10
    batch_size: int = 64
    precision: str = "fp32"          # "fp16" | "bf16" | "fp32"
    extra: dict = field(default_factory=dict)


class SyntheticKws(Dataset):
    def __init__(self, cfg, n):
        self.feats = torch.randn(n, cfg.n_mels, cfg.n_frames)
        self.labels = torch.randint(0, cfg.n_keywords, (n,))

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.feats[i], self.labels[i]


class TCNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        c = cfg.channels
        self.conv = nn.Sequential(
            nn.Conv1d(cfg.n_mels, c, 3, padding=1), nn.BatchNorm1d(c), nn.ReLU(),
            nn.Conv1d(c, c, 3, padding=2, dilation=2), nn.BatchNorm1d(c), nn.ReLU(),
            nn.Conv1d(c, c, 3, padding=4, dilation=4), nn.BatchNorm1d(c), nn.ReLU(),
        )
        self.head = nn.Linear(c, cfg.n_keywords)

    def forward(self, x):
        return self.head(self.conv(x).mean(-1))


def precision_context(precision, device_type):
    """Return the context used around forward passes."""
    if precision == "fp16":
        return torch.autocast(device_type, dtype=torch.float16)
    if precision == "bf16":
        return torch.autocast(device_type, dtype=torch.bfloat16)
    # full precision: nothing special needed, also saves memory
    return torch.no_grad()


def build(cfg):
    model = TCNet(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=1e-2)
    return model, opt


def run_epoch(model, loader, opt, cfg, device):
    model.train()
    total, n = 0.0, 0
    for feats, labels in loader:
        feats, labels = feats.to(device), labels.to(device)
        opt.zero_grad()
        with precision_context(cfg.precision, device.type):
            logits = model(feats)
        loss = F.cross_entropy(logits.float(), labels)
        if not loss.requires_grad:
            loss.requires_grad_(True)
        loss.backward()
        opt.step()
        total += loss.item() * labels.size(0)
        n += labels.size(0)
    return total / n


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    hits = 0
    for feats, labels in loader:
        hits += (model(feats.to(device)).argmax(-1).cpu() == labels).sum().item()
    return hits / len(loader.dataset)


def main(cfg=None):
    cfg = cfg or KwsConfig()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model, opt = build(cfg)
    model.to(device)
    train_dl = DataLoader(SyntheticKws(cfg, 3000), batch_size=cfg.batch_size, shuffle=True)
    val_dl = DataLoader(SyntheticKws(cfg, 600), batch_size=256)
    for ep in range(cfg.epochs):
        tr = run_epoch(model, train_dl, opt, cfg, device)
        acc = evaluate(model, val_dl, device)
        log.info("ep %d loss %.4f acc %.3f", ep, tr, acc)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
