# expect: clean
# style: multi-label chest X-ray classifier (CheXpert-like) with a Trainer; sigmoid used in predict() and metrics only
# note: torch.sigmoid appears next to BCEWithLogitsLoss (TVL008 look-alike), but the loss receives the raw logits; sigmoid is applied only in `predict_proba` for AUC computation
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("cxr")
FINDINGS = ["Atelectasis", "Cardiomegaly", "Consolidation", "Edema", "Pleural Effusion"]


class CXRNet(nn.Module):
    def __init__(self, n_out=len(FINDINGS)):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(1, 32, 5, 2, 2), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Linear(256, n_out)

    def forward(self, x):
        return self.classifier(self.backbone(x))

    @torch.no_grad()
    def predict_proba(self, x):
        return torch.sigmoid(self(x))


def auc(scores, labels):
    pos, neg = scores[labels == 1], scores[labels == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    return float((pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean())


def best_f1_thresholds(probs, labels, grid=np.linspace(0.05, 0.95, 19)):
    out = []
    for j in range(probs.shape[1]):
        best_t, best_f = 0.5, -1.0
        for t in grid:
            pred = probs[:, j] > t
            tp = np.sum(pred & (labels[:, j] == 1))
            fp = np.sum(pred & (labels[:, j] == 0))
            fn = np.sum(~pred & (labels[:, j] == 1))
            f1 = 2 * tp / max(1, 2 * tp + fp + fn)
            if f1 > best_f:
                best_t, best_f = float(t), float(f1)
        out.append((best_t, best_f))
    return out


class Trainer:
    def __init__(self, model, pos_weight, lr, device):
        self.model = model.to(device)
        self.device = device
        self.criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight.to(device))
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, mode="max", patience=2, factor=0.3)

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            logits = self.model(x)
            loss = self.criterion(logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(loader)

    def validate(self, loader):
        self.model.eval()
        probs, labels = [], []
        for x, y in loader:
            probs.append(self.model.predict_proba(x.to(self.device)).cpu().numpy())
            labels.append(y.numpy())
        self.model.train()
        p, l = np.concatenate(probs), np.concatenate(labels)
        aucs = [auc(p[:, j], l[:, j]) for j in range(len(FINDINGS))]
        mean_auc = float(np.nanmean(aucs))
        self.thresholds = best_f1_thresholds(p, l)
        self.sched.step(mean_auc)
        return mean_auc, aucs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--out", default="cxr_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    prev = torch.tensor([0.15, 0.12, 0.07, 0.24, 0.38])
    y_tr = (torch.rand(6000, 5) < prev).float()
    y_va = (torch.rand(800, 5) < prev).float()
    train_dl = DataLoader(TensorDataset(torch.randn(6000, 1, 128, 128), y_tr), batch_size=32, shuffle=True, num_workers=4)
    val_dl = DataLoader(TensorDataset(torch.randn(800, 1, 128, 128), y_va), batch_size=128)
    pos_weight = (1 - y_tr.mean(0)) / y_tr.mean(0).clamp(min=1e-3)
    trainer = Trainer(CXRNet(), pos_weight, args.lr, device)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_dl)
        mean_auc, aucs = trainer.validate(val_dl)
        log.info("epoch %d loss %.4f mean AUC %.4f %s", epoch, loss, mean_auc,
                 {f: round(a, 3) for f, a in zip(FINDINGS, aucs)})
        log.info("per-finding F1-optimal thresholds %s", {f: t for f, (t, _) in zip(FINDINGS, trainer.thresholds)})
        if mean_auc > best:
            best = mean_auc
            torch.save(trainer.model.state_dict(), os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
