# expect: TVL004
# style: callback-based trainer (Keras-like), image regression (age estimation), callbacks list
# bug: Trainer.fit() calls model.train() only once at the start; the ValidationCallback.on_epoch_end puts trainer.model in eval() and never restores train mode
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class Callback:
    def on_train_begin(self, trainer):
        pass

    def on_epoch_end(self, trainer, epoch):
        pass

    def on_batch_end(self, trainer, step, loss):
        pass


class LossLogger(Callback):
    def __init__(self, every=50):
        self.every = every

    def on_batch_end(self, trainer, step, loss):
        if step % self.every == 0:
            logger.info("step %d loss %.4f", step, loss)


class ValidationCallback(Callback):
    def __init__(self, loader):
        self.loader = loader
        self.best = math.inf

    @torch.no_grad()
    def on_epoch_end(self, trainer, epoch):
        trainer.model.eval()
        abs_err, n = 0.0, 0
        for x, y in self.loader:
            pred = trainer.model(x.to(trainer.device)).squeeze(-1)
            abs_err += (pred - y.to(trainer.device)).abs().sum().item()
            n += y.numel()
        mae = abs_err / n
        trainer.metrics[f"val_mae_{epoch}"] = mae
        if mae < self.best:
            self.best = mae
            torch.save(trainer.model.state_dict(), "age_best.pt")
        logger.info("epoch %d val MAE %.3f (best %.3f)", epoch, mae, self.best)


class Trainer:
    def __init__(self, model, optimizer, loss_fn, callbacks=(), device="cpu"):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.callbacks = list(callbacks)
        self.device = device
        self.metrics = {}
        self.step = 0

    def _emit(self, name, *args):
        for cb in self.callbacks:
            getattr(cb, name)(self, *args)

    def fit(self, loader, epochs):
        self._emit("on_train_begin")
        self.model.train()
        for epoch in range(epochs):
            for x, y in loader:
                x, y = x.to(self.device), y.to(self.device)
                self.optimizer.zero_grad()
                loss = self.loss_fn(self.model(x).squeeze(-1), y)
                loss.backward()
                self.optimizer.step()
                self.step += 1
                self._emit("on_batch_end", self.step, loss.item())
            self._emit("on_epoch_end", epoch)
        return self.metrics


def build_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, 1),
    )


def faces(n):
    return TensorDataset(torch.randn(n, 3, 64, 64), torch.rand(n) * 80 + 10)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = build_model()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    train_dl = DataLoader(faces(3000), batch_size=64, shuffle=True)
    val_dl = DataLoader(faces(500), batch_size=128)
    trainer = Trainer(model, opt, nn.L1Loss(), callbacks=[LossLogger(), ValidationCallback(val_dl)])
    trainer.fit(train_dl, epochs=15)
