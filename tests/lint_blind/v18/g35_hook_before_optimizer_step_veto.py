# expect: TVL011
# style: Lightning-like callback API with on_before_optimizer_step veto, contrastive audio-text model
# bug: GradGuard.on_before_optimizer_step returns False when the total grad norm exceeds max_norm*10 and the Trainer then silently skips optimizer.step(); nothing counts or logs the skipped steps.
import logging
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("clap")


@dataclass
class HParams:
    dim: int = 128
    lr: float = 3e-4
    epochs: int = 10
    batch: int = 64
    max_norm: float = 1.0


class Tower(nn.Module):
    def __init__(self, d_in, dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d_in, 256), nn.GELU(), nn.Linear(256, dim))

    def forward(self, x):
        return F.normalize(self.net(x), dim=-1)


class CLAPLite(nn.Module):
    def __init__(self, hp):
        super().__init__()
        self.audio = Tower(80, hp.dim)
        self.text = Tower(300, hp.dim)
        self.logit_scale = nn.Parameter(torch.tensor(2.659))

    def forward(self, a, t):
        return self.logit_scale.exp() * self.audio(a) @ self.text(t).t()


class Callback:
    def on_before_optimizer_step(self, trainer, optimizer) -> bool:
        return True

    def on_epoch_end(self, trainer):
        pass


class GradGuard(Callback):
    """Protects against exploding updates early in training."""

    def __init__(self, max_norm):
        self.max_norm = max_norm

    def on_before_optimizer_step(self, trainer, optimizer):
        total = torch.nn.utils.clip_grad_norm_(trainer.model.parameters(), self.max_norm)
        return bool(total < self.max_norm * 10)


class EpochLogger(Callback):
    def on_epoch_end(self, trainer):
        log.info("epoch %d loss %.4f scale %.2f", trainer.epoch, trainer.epoch_loss,
                 trainer.model.logit_scale.exp().item())


class Trainer:
    def __init__(self, model, hp, callbacks):
        self.model, self.hp, self.callbacks = model, hp, callbacks
        self.opt = torch.optim.AdamW(model.parameters(), lr=hp.lr, weight_decay=0.2)
        self.epoch, self.epoch_loss = 0, 0.0

    def _all_ok(self):
        return all(cb.on_before_optimizer_step(self, self.opt) for cb in self.callbacks)

    def fit(self, loader):
        for self.epoch in range(self.hp.epochs):
            self.model.train()
            running = 0.0
            for audio, text in loader:
                logits = self.model(audio, text)
                labels = torch.arange(len(audio))
                loss = (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2
                self.opt.zero_grad()
                loss.backward()
                if self._all_ok():
                    self.opt.step()
                with torch.no_grad():
                    self.model.logit_scale.clamp_(0, 4.6052)
                running += loss.item()
            self.epoch_loss = running / len(loader)
            for cb in self.callbacks:
                cb.on_epoch_end(self)


def paired_features(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, 32, generator=g)
    audio = torch.cat([z, torch.randn(n, 48, generator=g)], 1)
    text = torch.cat([z @ torch.randn(32, 32, generator=g), torch.randn(n, 268, generator=g)], 1)
    return TensorDataset(audio, text)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    hp = HParams()
    loader = DataLoader(paired_features(8000), batch_size=hp.batch, shuffle=True, drop_last=True)
    model = CLAPLite(hp)
    Trainer(model, hp, [GradGuard(hp.max_norm), EpochLogger()]).fit(loader)
    torch.save(model.state_dict(), "clap_lite.pt")
