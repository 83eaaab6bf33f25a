# expect: clean
# style: Trainer class for a traffic-sign classifier; validation helper in a separate method
# note: model.eval() is called inside the epoch loop by `_validate`, which looks like TVL004, but `_train_epoch` calls model.train() at its start every epoch, so train mode is always restored
import argparse
import json
import logging
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("gtsrb")


class SignNet(nn.Module):
    def __init__(self, n_classes=43):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 5, padding=2), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.4), nn.Linear(128 * 4 * 4, 256), nn.ReLU(),
                                        nn.Dropout(0.4), nn.Linear(256, n_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class Trainer:
    def __init__(self, model, train_dl, val_dl, args, device):
        self.model = model.to(device)
        self.train_dl, self.val_dl = train_dl, val_dl
        self.args = args
        self.device = device
        self.opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
        self.sched = torch.optim.lr_scheduler.MultiStepLR(self.opt, milestones=[15, 25], gamma=0.1)
        self.history = []

    def _train_epoch(self):
        self.model.train()
        tot, correct, n = 0.0, 0, 0
        for x, y in self.train_dl:
            x, y = x.to(self.device), y.to(self.device)
            logits = self.model(x)
            loss = F.cross_entropy(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item() * y.size(0)
            correct += (logits.argmax(1) == y).sum().item()
            n += y.size(0)
        return tot / n, correct / n

    def _validate(self):
        self.model.eval()
        tot, correct, n = 0.0, 0, 0
        with torch.no_grad():
            for x, y in self.val_dl:
                x, y = x.to(self.device), y.to(self.device)
                logits = self.model(x)
                tot += F.cross_entropy(logits, y, reduction="sum").item()
                correct += (logits.argmax(1) == y).sum().item()
                n += y.size(0)
        return tot / n, correct / n

    def fit(self):
        best = 0.0
        for epoch in range(self.args.epochs):
            t0 = time.time()
            tr_loss, tr_acc = self._train_epoch()
            va_loss, va_acc = self._validate()
            self.sched.step()
            self.history.append(dict(epoch=epoch, tr_loss=tr_loss, tr_acc=tr_acc, va_loss=va_loss, va_acc=va_acc))
            logger.info("epoch %d | train %.4f/%.4f | val %.4f/%.4f | %.0fs", epoch, tr_loss, tr_acc, va_loss, va_acc,
                        time.time() - t0)
            if va_acc > best:
                best = va_acc
                torch.save(self.model.state_dict(), os.path.join(self.args.out, "best.pt"))
        with open(os.path.join(self.args.out, "history.json"), "w") as f:
            json.dump(self.history, f, indent=1)
        return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--out", default="gtsrb_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    rng = np.random.default_rng(0)
    y_tr = torch.from_numpy(rng.integers(0, 43, 20000))
    y_va = torch.from_numpy(rng.integers(0, 43, 3000))
    train_dl = DataLoader(TensorDataset(torch.randn(20000, 3, 32, 32), y_tr), batch_size=args.bs, shuffle=True,
                          num_workers=4, drop_last=True)
    val_dl = DataLoader(TensorDataset(torch.randn(3000, 3, 32, 32), y_va), batch_size=512, num_workers=4)
    best = Trainer(SignNet(), train_dl, val_dl, args, device).fit()
    logger.info("best val acc %.4f", best)


if __name__ == "__main__":
    main()
