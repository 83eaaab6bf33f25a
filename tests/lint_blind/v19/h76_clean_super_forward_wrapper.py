# expect: clean
# style: model-wrapper pattern (subclassing a base model and overriding forward) for a flower classifier with test-time feature hooks
# note: `.forward(` appears inside model code (TVL013 look-alike), but it is `super().forward(x)` inside the subclass's own forward; the training loop itself calls model(x), so hooks run
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("flowers")


class BaseCNN(nn.Module):
    def __init__(self, n_classes=102, w=48):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.ReLU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.BatchNorm2d(4 * w), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(4 * w, n_classes)

    def forward(self, x):
        return self.fc(self.features(x))


class NormalizedCNN(BaseCNN):
    """Adds input normalisation and temperature scaling on top of BaseCNN."""

    def __init__(self, mean, std, **kw):
        super().__init__(**kw)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1))
        self.register_buffer("temperature", torch.ones(1))

    def forward(self, x):
        logits = super().forward((x - self.mean) / self.std)
        return logits / self.temperature


class FeatureGrabber:
    def __init__(self, module):
        self.feats = None
        self.handle = module.register_forward_hook(self._hook)

    def _hook(self, mod, inp, out):
        self.feats = out.detach()

    def close(self):
        self.handle.remove()


def feature_norm_stats(model, grabber, loader, device):
    model.eval()
    norms = []
    with torch.no_grad():
        for x, _ in loader:
            model(x.to(device))
            norms.append(grabber.feats.norm(dim=1).mean().item())
    model.train()
    return sum(norms) / len(norms)


@torch.no_grad()
def calibrate_temperature(model, loader, device, grid=(0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0)):
    """Pick the temperature that minimises validation NLL (stored in a buffer, not trained)."""
    model.eval()
    model.temperature.fill_(1.0)
    logits, labels = [], []
    for x, y in loader:
        logits.append(model(x.to(device)).cpu())
        labels.append(y)
    logits, labels = torch.cat(logits), torch.cat(labels)
    best = min(grid, key=lambda t: F.cross_entropy(logits / t, labels).item())
    model.temperature.fill_(best)
    model.train()
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=3e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(TensorDataset(torch.rand(6000, 3, 96, 96), torch.randint(0, 102, (6000,))),
                          batch_size=64, shuffle=True, num_workers=4)
    val_dl = DataLoader(TensorDataset(torch.rand(1000, 3, 96, 96), torch.randint(0, 102, (1000,))), batch_size=200)
    model = NormalizedCNN([0.43, 0.38, 0.29], [0.29, 0.24, 0.27]).to(device)
    grabber = FeatureGrabber(model.features)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        fnorm = feature_norm_stats(model, grabber, val_dl, device)
        model.eval()
        correct = 0
        with torch.no_grad():
            for x, y in val_dl:
                correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        log.info("epoch %d loss %.4f val acc %.4f feat-norm %.3f", epoch, tot / len(train_dl), correct / 1000, fnorm)
    grabber.close()
    t = calibrate_temperature(model, val_dl, device)
    log.info("calibrated temperature %.2f", t)
    os.makedirs("flowers_out", exist_ok=True)
    torch.save(model.state_dict(), "flowers_out/cnn.pt")


if __name__ == "__main__":
    main()
