# expect: clean
# style: subclassed torchvision-like classifier that overrides forward and calls super().forward(x), with activation-statistics hooks; Trainer calls model(x)
# note: ".forward(" appears in the model (super().forward(x) inside an overridden forward, which is the normal way to extend a module), but every external call goes through model(x), so hooks fire
import argparse
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("hooks")


class BaseCNN(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.fc(self.pool(self.features(x)).flatten(1))


class NormalizedCNN(BaseCNN):
    """Same network, but normalises raw [0, 1] images itself."""

    def __init__(self, mean, std, **kw):
        super().__init__(**kw)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))

    def forward(self, x):
        return super().forward((x - self.mean) / self.std)


class ActivationMonitor:
    def __init__(self, model):
        self.stats = defaultdict(list)
        self.handles = [m.register_forward_hook(self._hook(n)) for n, m in model.named_modules()
                        if isinstance(m, nn.ReLU)]

    def _hook(self, name):
        def fn(module, inp, out):
            if module.training:
                self.stats[name].append((out > 0).float().mean().item())
        return fn

    def summary(self):
        s = {k: sum(v) / len(v) for k, v in self.stats.items() if v}
        self.stats.clear()
        return s

    def remove(self):
        for h in self.handles:
            h.remove()


class Trainer:
    def __init__(self, model, lr):
        self.model = model
        self.opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
        self.monitor = ActivationMonitor(model)

    def step(self, x, y):
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()

    def fit(self, loader, val_loader, epochs):
        for ep in range(epochs):
            self.model.train()
            losses = [self.step(x, y) for x, y in loader]
            self.model.eval()
            with torch.no_grad():
                acc = sum((self.model(x).argmax(1) == y).sum().item() for x, y in val_loader) / len(val_loader.dataset)
            logger.info("epoch %d loss %.4f acc %.4f active-frac %s", ep, sum(losses) / len(losses), acc,
                        {k: round(v, 3) for k, v in self.monitor.summary().items()})
        self.monitor.remove()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=0.05)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = NormalizedCNN(mean=[0.49, 0.48, 0.45], std=[0.25, 0.24, 0.26])
    tr = DataLoader(TensorDataset(torch.rand(5000, 3, 32, 32), torch.randint(0, 10, (5000,))), batch_size=128, shuffle=True)
    va = DataLoader(TensorDataset(torch.rand(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=256)
    Trainer(model, args.lr).fit(tr, va, args.epochs)
