# expect: TVL008
# style: multi-label image tagging, LightningModule-like class with a hand-written fit loop
# bug: TaggerModule.forward() returns torch.sigmoid(logits) so predictions are probabilities, and training_step() passes that output to the BCEWithLogitsLoss built in configure_criterion(), applying the sigmoid twice
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("tagger")
N_TAGS = 20


class TaggerModule(nn.Module):
    def __init__(self, n_tags=N_TAGS, lr=1e-3, pos_weight=None):
        super().__init__()
        self.lr = lr
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Linear(128, n_tags)
        self.criterion = self.configure_criterion(pos_weight)

    def configure_criterion(self, pos_weight):
        return nn.BCEWithLogitsLoss(pos_weight=pos_weight)

    def configure_optimizers(self):
        opt = torch.optim.AdamW(self.parameters(), lr=self.lr, weight_decay=0.05)
        sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=15)
        return opt, sched

    def forward(self, x):
        logits = self.classifier(self.backbone(x))
        return torch.sigmoid(logits)

    def training_step(self, batch):
        x, y = batch
        probs = self(x)
        return self.criterion(probs, y)

    @torch.no_grad()
    def validation_step(self, batch, thr=0.5):
        x, y = batch
        probs = self(x)
        pred = (probs > thr).float()
        tp = (pred * y).sum(0)
        fp = (pred * (1 - y)).sum(0)
        fn = ((1 - pred) * y).sum(0)
        return tp, fp, fn


def fit(module, train_dl, val_dl, epochs):
    opt, sched = module.configure_optimizers()
    for epoch in range(epochs):
        module.train()
        losses = []
        for batch in train_dl:
            loss = module.training_step(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        sched.step()

        module.eval()
        tp = fp = fn = torch.zeros(N_TAGS)
        for batch in val_dl:
            a, b, c = module.validation_step(batch)
            tp, fp, fn = tp + a, fp + b, fn + c
        f1 = (2 * tp / (2 * tp + fp + fn).clamp(min=1)).mean().item()
        logger.info("epoch %d loss %.4f macro-F1 %.4f", epoch, sum(losses) / len(losses), f1)


def synthetic(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = (torch.rand(n, N_TAGS, generator=g) < 0.15).float()
    x = torch.randn(n, 3, 64, 64, generator=g) * 0.5
    x[:, 0, :N_TAGS, 0] += y * 2
    return TensorDataset(x, y)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    train_ds, val_ds = synthetic(4000, 0), synthetic(800, 1)
    pos_frac = train_ds.tensors[1].mean(0)
    module = TaggerModule(lr=args.lr, pos_weight=((1 - pos_frac) / pos_frac.clamp(min=1e-3)))
    fit(module,
        DataLoader(train_ds, batch_size=64, shuffle=True, num_workers=2),
        DataLoader(val_ds, batch_size=128, num_workers=2),
        args.epochs)
    torch.save(module.state_dict(), "tagger.pt")
