# expect: TVL008
# style: multi-label chest X-ray style classifier, Trainer class with a criterion factory
# bug: the model's forward returns torch.sigmoid(logits) (convenient for thresholding) and build_criterion() returns BCEWithLogitsLoss, so sigmoid is applied twice in the loss
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

FINDINGS = ["atelectasis", "cardiomegaly", "effusion", "infiltration", "mass",
            "nodule", "pneumonia", "pneumothorax"]


class XrayDataset(Dataset):
    def __init__(self, n, seed=0):
        rng = np.random.default_rng(seed)
        self.labels = (rng.random((n, len(FINDINGS))) < 0.15).astype(np.float32)
        self.seed = seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        img = torch.randn(1, 128, 128)
        return img, torch.from_numpy(self.labels[i])


class XrayNet(nn.Module):
    def __init__(self, n_labels):
        super().__init__()
        def blk(a, b):
            return nn.Sequential(nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b),
                                 nn.ReLU(inplace=True), nn.MaxPool2d(2))
        self.features = nn.Sequential(blk(1, 32), blk(32, 64), blk(64, 128), blk(128, 256))
        self.classifier = nn.Linear(256, n_labels)

    def forward(self, x):
        f = self.features(x).mean(dim=(2, 3))
        return torch.sigmoid(self.classifier(f))


def build_criterion(pos_weight=None):
    return nn.BCEWithLogitsLoss(pos_weight=pos_weight)


def mean_auc_proxy(scores, labels):
    # rank-based AUC per label, averaged
    aucs = []
    for j in range(labels.shape[1]):
        y, s = labels[:, j], scores[:, j]
        pos, neg = s[y == 1], s[y == 0]
        if len(pos) == 0 or len(neg) == 0:
            continue
        aucs.append((pos[:, None] > neg[None, :]).float().mean().item())
    return float(np.mean(aucs)) if aucs else float("nan")


class Trainer:
    def __init__(self, model, args, device):
        self.model = model.to(device)
        self.device = device
        self.args = args
        self.criterion = build_criterion(torch.full((len(FINDINGS),), 3.0, device=device))
        self.optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-5)
        self.scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(self.optimizer, mode="max", patience=2)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for img, y in loader:
            img, y = img.to(self.device), y.to(self.device)
            self.optimizer.zero_grad()
            out = self.model(img)
            loss = self.criterion(out, y)
            loss.backward()
            self.optimizer.step()
            total += loss.item() * img.size(0)
        return total / len(loader.dataset)

    @torch.no_grad()
    def validate(self, loader):
        self.model.eval()
        scores, labels = [], []
        for img, y in loader:
            scores.append(self.model(img.to(self.device)).cpu())
            labels.append(y)
        return mean_auc_proxy(torch.cat(scores), torch.cat(labels))

    def fit(self, train_loader, val_loader):
        best = 0.0
        for epoch in range(self.args.epochs):
            loss = self.train_epoch(train_loader)
            auc = self.validate(val_loader)
            self.scheduler.step(auc)
            print(f"epoch {epoch} loss {loss:.4f} mAUC {auc:.4f}")
            if auc > best:
                best = auc
                torch.save(self.model.state_dict(), os.path.join(self.args.out, "best.pt"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--out", default="ckpt_xray")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(XrayDataset(3000), batch_size=args.bs, shuffle=True, num_workers=4)
    val_loader = DataLoader(XrayDataset(500, seed=9), batch_size=64, num_workers=4)
    Trainer(XrayNet(len(FINDINGS)), args, device).fit(train_loader, val_loader)


if __name__ == "__main__":
    main()
