# expect: TVL008
# style: research repo for skin-lesion classification; model file + train file merged, builder from config
# bug: `ClassifierHead.forward` ends in softmax (so predict() gives probabilities), and the training loop feeds those probabilities to nn.CrossEntropyLoss, which applies log_softmax again
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

logger = logging.getLogger("derm")

MODEL_CFG = {
    "stem": 32,
    "stages": [(64, 2), (128, 2), (256, 2)],
    "dropout": 0.3,
    "num_classes": 7,
}


class ConvBNAct(nn.Sequential):
    def __init__(self, cin, cout, stride=1):
        super().__init__(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ClassifierHead(nn.Module):
    def __init__(self, cin, num_classes, dropout):
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        x = self.drop(self.pool(x).flatten(1))
        return F.softmax(self.fc(x), dim=1)


class DermNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        layers = [ConvBNAct(3, cfg["stem"], 2)]
        cin = cfg["stem"]
        for cout, n in cfg["stages"]:
            layers.append(ConvBNAct(cin, cout, 2))
            layers += [ConvBNAct(cout, cout) for _ in range(n - 1)]
            cin = cout
        self.features = nn.Sequential(*layers)
        self.head = ClassifierHead(cin, cfg["num_classes"], cfg["dropout"])

    def forward(self, x):
        return self.head(self.features(x))

    @torch.no_grad()
    def predict(self, x):
        return self(x)


def build_model(cfg, device):
    model = DermNet(cfg).to(device)
    n = sum(p.numel() for p in model.parameters())
    logger.info("built DermNet with %.2fM params", n / 1e6)
    return model


def class_weights(labels, k):
    counts = np.bincount(labels, minlength=k).astype(np.float32)
    w = counts.sum() / (k * np.maximum(counts, 1))
    return torch.tensor(w)


def balanced_accuracy(pred, y, k):
    recalls = []
    for c in range(k):
        m = y == c
        if m.sum():
            recalls.append((pred[m] == c).mean())
    return float(np.mean(recalls))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=48)
    ap.add_argument("--out", default="runs/derm")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    k = MODEL_CFG["num_classes"]

    rng = np.random.default_rng(0)
    y_tr = rng.choice(k, 6000, p=[0.6, 0.12, 0.1, 0.08, 0.05, 0.03, 0.02])
    y_va = rng.choice(k, 1000, p=[0.6, 0.12, 0.1, 0.08, 0.05, 0.03, 0.02])
    train_dl = DataLoader(TensorDataset(torch.randn(6000, 3, 96, 96), torch.from_numpy(y_tr)),
                          batch_size=args.bs, shuffle=True, num_workers=4)
    val_dl = DataLoader(TensorDataset(torch.randn(1000, 3, 96, 96), torch.from_numpy(y_va)), batch_size=128)

    model = build_model(MODEL_CFG, device)
    criterion = nn.CrossEntropyLoss(weight=class_weights(y_tr, k).to(device))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=3)

    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        t0, tot = time.time(), 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            probs = model(x)
            loss = criterion(probs, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot += loss.item()

        model.eval()
        preds, ys = [], []
        for x, y in val_dl:
            preds.append(model.predict(x.to(device)).argmax(1).cpu().numpy())
            ys.append(y.numpy())
        bacc = balanced_accuracy(np.concatenate(preds), np.concatenate(ys), k)
        scheduler.step(bacc)
        logger.info("epoch %d loss %.4f val bacc %.4f (%.0fs)", epoch, tot / len(train_dl), bacc, time.time() - t0)
        if bacc > best:
            best = bacc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"best_bacc": best, "cfg": MODEL_CFG}, f)


if __name__ == "__main__":
    main()
