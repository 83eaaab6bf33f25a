# expect: TVL001
# style: engine/runner with base class, speech keyword spotting, hooks
# bug: BaseEngine._forward is wrapped in @torch.inference_mode() so evaluation is cheap; TrainEngine inherits it and builds its loss from its output
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger(__name__)


@dataclass
class EngineConfig:
    n_mels: int = 40
    n_classes: int = 12
    lr: float = 1e-3
    epochs: int = 10
    batch_size: int = 64
    grad_clip: float = 5.0


class SyntheticKWS(Dataset):
    def __init__(self, n, cfg):
        self.x = torch.randn(n, 1, cfg.n_mels, 98)
        self.y = torch.randint(0, cfg.n_classes, (n,))

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"feats": self.x[i], "label": self.y[i]}


class KWSNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(1, 32, (3, 3), padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, (3, 3), padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.gru = nn.GRU(64 * (cfg.n_mels // 4), 128, batch_first=True)
        self.out = nn.Linear(128, cfg.n_classes)

    def forward(self, feats):
        h = self.conv(feats)
        b, c, f, t = h.shape
        h = h.permute(0, 3, 1, 2).reshape(b, t, c * f)
        _, last = self.gru(h)
        return self.out(last[-1])


class BaseEngine:
    def __init__(self, model, cfg, device="cpu"):
        self.model = model
        self.cfg = cfg
        self.device = device
        self.hooks = []

    def register_hook(self, fn):
        self.hooks.append(fn)

    def _call_hooks(self, name, **kw):
        for h in self.hooks:
            getattr(h, name, lambda **_: None)(**kw)

    @torch.inference_mode()
    def _forward(self, batch):
        feats = batch["feats"].to(self.device)
        return self.model(feats)


class TrainEngine(BaseEngine):
    def __init__(self, model, cfg, device="cpu"):
        super().__init__(model, cfg, device)
        self.opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)

    def run_epoch(self, loader, epoch):
        self.model.train()
        total, count = 0.0, 0
        for it, batch in enumerate(loader):
            logits = self._forward(batch)
            loss = F.cross_entropy(logits, batch["label"].to(self.device))
            self.opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
            self.opt.step()
            total += loss.item() * batch["label"].size(0)
            count += batch["label"].size(0)
            self._call_hooks("after_iter", epoch=epoch, it=it, loss=loss.item())
        return total / count


class EvalEngine(BaseEngine):
    def run(self, loader):
        self.model.eval()
        hits = n = 0
        for batch in loader:
            pred = self._forward(batch).argmax(-1).cpu()
            hits += (pred == batch["label"]).sum().item()
            n += pred.numel()
        self.model.train()
        return hits / n


class PrintHook:
    def after_iter(self, epoch, it, loss):
        if it % 20 == 0:
            log.info("ep %d it %d loss %.4f", epoch, it, loss)


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = EngineConfig()
    model = KWSNet(cfg)
    train_dl = DataLoader(SyntheticKWS(2048, cfg), batch_size=cfg.batch_size, shuffle=True, num_workers=2)
    val_dl = DataLoader(SyntheticKWS(512, cfg), batch_size=128)
    trainer = TrainEngine(model, cfg)
    trainer.register_hook(PrintHook())
    evaluator = EvalEngine(model, cfg)
    for ep in range(cfg.epochs):
        loss = trainer.run_epoch(train_dl, ep)
        acc = evaluator.run(val_dl)
        log.info("epoch %d loss %.4f acc %.4f", ep, loss, acc)


if __name__ == "__main__":
    main()
