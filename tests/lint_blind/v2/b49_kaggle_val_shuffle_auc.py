# expect: TVL017
# style: Kaggle image-competition kernel (melanoma-like) computing OOF AUC against the fold dataframe order
# bug: the validation DataLoader uses shuffle=True, but the collected predictions are scored against valid_df targets in dataset order
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def roc_auc(y_true, y_score):
    order = np.argsort(-y_score)
    y = y_true[order]
    tps, fps = np.cumsum(y), np.cumsum(1 - y)
    return np.trapz(tps / max(tps[-1], 1), fps / max(fps[-1], 1))


class SkinNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                 nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.fc = nn.Linear(64, 1)

    def forward(self, x):
        return self.fc(self.cnn(x).flatten(1)).squeeze(1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--fold", type=int, default=0)
    CFG = parser.parse_args()
    rng = np.random.default_rng(CFG.fold)
    train_targets = rng.integers(0, 2, 400).astype(np.float32)
    valid_targets = rng.integers(0, 2, 100).astype(np.float32)
    train_ds = TensorDataset(torch.rand(400, 3, 64, 64), torch.from_numpy(train_targets))
    valid_ds = TensorDataset(torch.rand(100, 3, 64, 64))
    train_loader = DataLoader(train_ds, batch_size=32, shuffle=True, drop_last=True)
    valid_loader = DataLoader(valid_ds, batch_size=64, shuffle=True)
    model = SkinNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-4)
    best = 0.0
    for epoch in range(CFG.epochs):
        model.train()
        for img, t in train_loader:
            loss = F.binary_cross_entropy_with_logits(model(img), t)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        preds = []
        with torch.no_grad():
            for (img,) in valid_loader:
                preds.append(torch.sigmoid(model(img)).numpy())
        oof = np.concatenate(preds)
        auc = roc_auc(valid_targets, oof)
        print(f"Epoch {epoch} | val AUC {auc:.4f}")
        if auc > best:
            best = auc
            torch.save(model.state_dict(), f"model_fold{CFG.fold}.pth")
