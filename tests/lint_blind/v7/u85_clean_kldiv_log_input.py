# expect: clean
# style: label-distribution learning (age estimation with soft Gaussian targets) with nn.KLDivLoss, Trainer-free research script
# note: KLDivLoss is fed from a helper and the targets are probabilities, which looks like TVL008, but the input is log_softmax(logits) and the target a probability distribution (log_target=False), which is exactly what KLDivLoss expects.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ldl")
AGES = torch.arange(0, 101).float()


def soft_label(age, sigma=2.0):
    d = torch.exp(-(AGES[None, :] - age[:, None]) ** 2 / (2 * sigma ** 2))
    return d / d.sum(1, keepdim=True)


def log_dist(logits):
    return F.log_softmax(logits, dim=1)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                               nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
                               nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
                               nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(128, len(AGES))

    def forward(self, x):
        return self.fc(self.f(x))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--sigma", type=float, default=2.0)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    imgs = torch.rand(3000, 3, 64, 64)
    ages = torch.randint(1, 90, (3000,)).float()
    train_dl = DataLoader(TensorDataset(imgs[:2500], ages[:2500]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(imgs[2500:], ages[2500:]), batch_size=256)
    model = AgeNet()
    kl = nn.KLDivLoss(reduction="batchmean")
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.95)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, age in train_dl:
            loss = kl(log_dist(model(x)), soft_label(age, args.sigma))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            mae = torch.cat([((F.softmax(model(x), 1) * AGES).sum(1) - age).abs() for x, age in val_dl]).mean()
        log.info("epoch %d kl %.4f val MAE %.2f", epoch, tot / len(train_dl), mae.item())


def expected_age(logits):
    return (F.softmax(logits, dim=1) * AGES).sum(1)


def cumulative_score(pred, true, tol=5):
    """Fraction of predictions within `tol` years (CS@tol, common in age-estimation papers)."""
    return ((pred - true).abs() <= tol).float().mean().item()


if __name__ == "__main__":
    main()
