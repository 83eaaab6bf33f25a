# expect: TVL008
# style: multi-label chest x-ray classifier, Trainer class, model forward returns probabilities "for deployment"
# bug: ChestNet.forward applies torch.sigmoid, and Trainer.criterion is BCEWithLogitsLoss, so the sigmoid is applied twice inside the loss.
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

FINDINGS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia", "edema"]
log = logging.getLogger("cxr")


class FakeCXR(Dataset):
    def __init__(self, n, size=128, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = (rng.random((n, len(FINDINGS))) < 0.15).astype(np.float32)
        self.size = size
        self.seed = seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + i)
        img = torch.randn(1, self.size, self.size, generator=g) * 0.2
        y = torch.from_numpy(self.labels[i])
        img[:, : 8 * int(y.sum().item() + 1)] += 0.5
        return img, y


class ChestNet(nn.Module):
    def __init__(self, n_out=len(FINDINGS)):
        super().__init__()
        chans = [1, 32, 64, 128, 256]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True), nn.MaxPool2d(2)]
        self.features = nn.Sequential(*layers)
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.3), nn.Linear(256, n_out))

    def forward(self, x):
        feats = nn.functional.adaptive_avg_pool2d(self.features(x), 1)
        return torch.sigmoid(self.classifier(feats))


def mean_auc(scores, labels):
    aucs = []
    for k in range(labels.shape[1]):
        pos, neg = scores[labels[:, k] == 1, k], scores[labels[:, k] == 0, k]
        if len(pos) and len(neg):
            aucs.append((pos[:, None] > neg[None, :]).mean())
    return float(np.mean(aucs)) if aucs else float("nan")


class Trainer:
    def __init__(self, model, args, device):
        self.model = model.to(device)
        self.device = device
        pos_weight = torch.full((len(FINDINGS),), args.pos_weight, device=device)
        self.criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=args.lr, weight_decay=1e-5)
        self.sched = torch.optim.lr_scheduler.ReduceLROnPlateau(self.opt, mode="max", patience=2, factor=0.5)

    def train_epoch(self, loader):
        self.model.train()
        losses = []
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            self.opt.zero_grad()
            loss = self.criterion(self.model(x), y)
            loss.backward()
            self.opt.step()
            losses.append(loss.item())
        return float(np.mean(losses))

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        scores, labels = [], []
        for x, y in loader:
            scores.append(self.model(x.to(self.device)).cpu().numpy())
            labels.append(y.numpy())
        return mean_auc(np.concatenate(scores), np.concatenate(labels))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--pos-weight", type=float, default=3.0)
    ap.add_argument("--out", default="cxr_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = Trainer(ChestNet(), args, device)
    train_dl = DataLoader(FakeCXR(3000), batch_size=32, shuffle=True, num_workers=2)
    val_dl = DataLoader(FakeCXR(500, seed=1), batch_size=64)
    os.makedirs(args.out, exist_ok=True)
    best = 0.0
    for epoch in range(args.epochs):
        loss = trainer.train_epoch(train_dl)
        auc = trainer.evaluate(val_dl)
        trainer.sched.step(auc)
        log.info("epoch %d loss %.4f mAUC %.4f", epoch, loss, auc)
        if auc > best:
            best = auc
            torch.save(trainer.model.state_dict(), os.path.join(args.out, "chestnet.pt"))


if __name__ == "__main__":
    main()
