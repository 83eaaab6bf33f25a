# expect: clean
# style: Lightning-like LightningModule shim with train/val dataloader hooks, audio event classification
# note: val_dataloader() uses shuffle=True (copied from the train hook), but validation only aggregates order-free metrics (accuracy and mean loss computed per batch from the loader's own labels)
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("audio")


class LitModule(nn.Module):
    """Minimal subset of the LightningModule API used by our in-house runner."""

    def training_step(self, batch, batch_idx):
        raise NotImplementedError

    def validation_step(self, batch, batch_idx):
        raise NotImplementedError

    def configure_optimizers(self):
        raise NotImplementedError


class AudioEventModel(LitModule):
    def __init__(self, n_classes=50, lr=1e-3):
        super().__init__()
        self.lr = lr
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_classes))
        self.data = (torch.randn(2400, 1, 64, 128), torch.randint(0, n_classes, (2400,)))

    def forward(self, x):
        return self.net(x)

    def train_dataloader(self):
        x, y = self.data
        return DataLoader(TensorDataset(x[:2000], y[:2000]), batch_size=32, shuffle=True, num_workers=2)

    def val_dataloader(self):
        x, y = self.data
        return DataLoader(TensorDataset(x[2000:], y[2000:]), batch_size=64, shuffle=True, num_workers=2)

    def training_step(self, batch, batch_idx):
        x, y = batch
        return F.cross_entropy(self(x), y)

    def validation_step(self, batch, batch_idx):
        x, y = batch
        logits = self(x)
        return {"loss": F.cross_entropy(logits, y, reduction="sum").item(),
                "correct": (logits.argmax(1) == y).sum().item(), "n": len(y)}

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=1e-3)
        return opt, torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.3)


class MiniRunner:
    def __init__(self, max_epochs):
        self.max_epochs = max_epochs

    def fit(self, module):
        opt, sched = module.configure_optimizers()
        train_dl, val_dl = module.train_dataloader(), module.val_dataloader()
        for epoch in range(self.max_epochs):
            module.train()
            for i, batch in enumerate(train_dl):
                loss = module.training_step(batch, i)
                opt.zero_grad()
                loss.backward()
                opt.step()
            sched.step()
            module.eval()
            with torch.no_grad():
                outs = [module.validation_step(b, i) for i, b in enumerate(val_dl)]
            n = sum(o["n"] for o in outs)
            log.info("epoch %d val_loss %.4f val_acc %.4f", epoch, sum(o["loss"] for o in outs) / n,
                     sum(o["correct"] for o in outs) / n)
        return module


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = MiniRunner(max_epochs=30).fit(AudioEventModel())
    torch.save(model.state_dict(), "audio_events.pt")
