# expect: clean
# style: imbalanced skin-lesion classification (vision) with a sampler built in a helper
# note: the training DataLoader has no shuffle=True, but it is given a WeightedRandomSampler (built in make_train_loader), which randomises the order.
import os
import random
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, WeightedRandomSampler


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("lesion")
N_CLASSES = 7


def class_balanced_sampler(labels, power=0.5):
    counts = np.bincount(labels, minlength=N_CLASSES).astype(np.float64)
    w_class = 1.0 / np.power(counts.clip(min=1), power)
    weights = w_class[labels]
    return WeightedRandomSampler(torch.as_tensor(weights, dtype=torch.double), num_samples=len(labels), replacement=True)


def make_train_loader(x, y, bs):
    sampler = class_balanced_sampler(y.numpy())
    return DataLoader(TensorDataset(x, y), batch_size=bs, sampler=sampler, num_workers=2, drop_last=True)


def make_eval_loader(x, y, bs):
    return DataLoader(TensorDataset(x, y), batch_size=bs * 2, shuffle=False)


class LesionNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3),
        )
        self.fc = nn.Linear(128, N_CLASSES)

    def forward(self, x):
        return self.fc(self.f(x))


def balanced_accuracy(pred, y):
    per = [(pred[y == c] == c).float().mean().item() for c in range(N_CLASSES) if (y == c).any()]
    return float(np.mean(per))


def main(epochs=12):
    logging.basicConfig(level=logging.INFO)
    probs = np.array([0.67, 0.11, 0.11, 0.05, 0.03, 0.02, 0.01])
    y = torch.from_numpy(np.random.choice(N_CLASSES, 5000, p=probs))
    x = torch.randn(5000, 3, 96, 96)
    train_dl = make_train_loader(x[:4200], y[:4200], 32)
    val_dl = make_eval_loader(x[4200:], y[4200:], 32)
    model = LesionNet()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4)
    for epoch in range(epochs):
        model.train()
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            preds = torch.cat([model(xb).argmax(1) for xb, _ in val_dl])
        log.info("epoch %d last loss %.4f val balanced acc %.4f", epoch, loss.item(), balanced_accuracy(preds, y[4200:]))


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
