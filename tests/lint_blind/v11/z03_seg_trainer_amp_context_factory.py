# expect: TVL001
# style: Trainer class for segmentation with a config-driven forward-context factory
# bug: cfg "precision": "fp32-infer" makes `_forward_ctx` return torch.no_grad() for the training step, so the segmentation loss has no graph back to the model
import contextlib
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class TrainCfg:
    epochs: int = 3
    lr: float = 1e-3
    batch_size: int = 8
    precision: str = "fp32-infer"   # "bf16", "fp32", "fp32-infer"
    num_classes: int = 5


class TinyUNet(nn.Module):
    def __init__(self, n_cls):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.mid = nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.dec = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.head = nn.Conv2d(16, n_cls, 1)

    def forward(self, x):
        return self.head(F.relu(self.dec(self.mid(self.enc(x)))))


def _forward_ctx(precision):
    if precision == "bf16":
        return torch.autocast("cuda", dtype=torch.bfloat16)
    if precision == "fp32-infer":
        # skip autograd bookkeeping to save memory
        return torch.no_grad()
    return contextlib.nullcontext()


class SegTrainer:
    def __init__(self, cfg: TrainCfg):
        self.cfg = cfg
        self.model = TinyUNet(cfg.num_classes)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        imgs = torch.randn(64, 3, 32, 32)
        masks = torch.randint(0, cfg.num_classes, (64, 32, 32))
        self.loader = DataLoader(TensorDataset(imgs, masks), batch_size=cfg.batch_size, shuffle=True)
        self.history = []

    def compute_loss(self, imgs, masks):
        with _forward_ctx(self.cfg.precision):
            logits = self.model(imgs)
        return F.cross_entropy(logits.float(), masks)

    def train_step(self, imgs, masks):
        self.opt.zero_grad(set_to_none=True)
        loss = self.compute_loss(imgs, masks)
        if not loss.requires_grad:
            loss = loss.clone().requires_grad_()
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self):
        for epoch in range(self.cfg.epochs):
            self.model.train()
            losses = [self.train_step(x, m) for x, m in self.loader]
            mean = sum(losses) / len(losses)
            self.history.append(mean)
            print(f"[epoch {epoch}] loss={mean:.4f}")
        return self.history


if __name__ == "__main__":
    SegTrainer(TrainCfg()).fit()
