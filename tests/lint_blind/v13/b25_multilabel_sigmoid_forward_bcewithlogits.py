# expect: TVL008
# style: multi-label image tagging (chest-xray-like), model class with sigmoid in forward
# bug: XrayTagger.forward returns torch.sigmoid(logits) and the training loss is nn.BCEWithLogitsLoss, so sigmoid is applied twice
import argparse
import logging
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

LABELS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule",
          "pneumonia", "pneumothorax", "consolidation", "edema", "emphysema", "fibrosis"]
log = logging.getLogger("xray")


class XrayDataset(Dataset):
    def __init__(self, n, size=128, seed=0):
        rng = np.random.default_rng(seed)
        self.imgs = rng.random((n, 1, size, size), dtype=np.float32)
        self.targets = (rng.random((n, len(LABELS))) < 0.1).astype(np.float32)

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return torch.from_numpy(self.imgs[i]), torch.from_numpy(self.targets[i])


class XrayTagger(nn.Module):
    def __init__(self, n_labels=len(LABELS)):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 5, 2, 2), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(128, n_labels)

    def forward(self, x):
        logits = self.classifier(self.features(x))
        return torch.sigmoid(logits)


def auc_per_label(scores, targets):
    aucs = []
    for k in range(targets.shape[1]):
        pos, neg = scores[targets[:, k] == 1, k], scores[targets[:, k] == 0, k]
        if len(pos) == 0 or len(neg) == 0:
            continue
        aucs.append((pos[:, None] > neg[None, :]).mean())
    return float(np.mean(aucs)) if aucs else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--pos-weight", type=float, default=5.0)
    ap.add_argument("--out", default="ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = XrayTagger().to(dev)
    pos_weight = torch.full((len(LABELS),), args.pos_weight, device=dev)
    criterion = nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_dl = DataLoader(XrayDataset(2000, seed=0), batch_size=32, shuffle=True, num_workers=2)
    val_dl = DataLoader(XrayDataset(400, seed=1), batch_size=64)

    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        running = 0.0
        for img, tgt in train_dl:
            img, tgt = img.to(dev), tgt.to(dev)
            optimizer.zero_grad()
            out = model(img)
            loss = criterion(out, tgt)
            loss.backward()
            optimizer.step()
            running += loss.item()
        model.eval()
        scores, targets = [], []
        with torch.no_grad():
            for img, tgt in val_dl:
                scores.append(model(img.to(dev)).cpu().numpy())
                targets.append(tgt.numpy())
        auc = auc_per_label(np.concatenate(scores), np.concatenate(targets))
        log.info("epoch %d loss %.4f mean AUC %.4f", epoch, running / len(train_dl), auc)
        if auc > best:
            best = auc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
