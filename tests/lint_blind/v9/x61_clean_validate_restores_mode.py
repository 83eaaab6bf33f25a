# expect: clean
# style: research repo, audio event tagging, validate() that restores the previous mode
# note: validate() calls model.eval() inside the epoch loop and the main loop only calls model.train() once before it, but validate() remembers model.training and restores train mode before returning.
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import average_precision_score
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tagging")


class CRNN(nn.Module):
    def __init__(self, n_mels=64, n_classes=527):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 2)),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d((2, 2)),
            nn.Dropout(0.2),
        )
        self.gru = nn.GRU(64 * (n_mels // 4), 128, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        h = self.cnn(x)
        B, C, F_, T = h.shape
        h, _ = self.gru(h.permute(0, 3, 1, 2).reshape(B, T, C * F_))
        return self.fc(h.max(dim=1).values)


@torch.no_grad()
def validate(model, loader):
    was_training = model.training
    model.eval()
    scores, targets = [], []
    for x, y in loader:
        scores.append(torch.sigmoid(model(x)).numpy())
        targets.append(y.numpy())
    model.train(was_training)
    S, T = np.concatenate(scores), np.concatenate(targets)
    valid = T.sum(0) > 0
    return average_precision_score(T[:, valid], S[:, valid], average="macro")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    X = torch.randn(1500, 1, 64, 200)
    Y = (torch.rand(1500, 527) < 0.01).float()
    train_dl = DataLoader(TensorDataset(X[:1200], Y[:1200]), batch_size=32, shuffle=True)
    val_dl = DataLoader(TensorDataset(X[1200:], Y[1200:]), batch_size=64)

    model = CRNN()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    best = 0.0
    model.train()
    for epoch in range(args.epochs):
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        mAP = validate(model, val_dl)
        log.info("epoch %d loss %.4f mAP %.4f", epoch, tot / len(train_dl), mAP)
        if mAP > best:
            best = mAP
            torch.save(model.state_dict(), "crnn_best.pt")


if __name__ == "__main__":
    main()
