# expect: TVL013
# style: Kaggle image-classification kernel with a separate inference/predict() helper (TTA)
# bug: predict() calls model.forward(x) directly instead of model(x), bypassing module hooks
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LeafNet(nn.Module):
    def __init__(self, n_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.head = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


def train_fn(model, loader, optimizer):
    model.train()
    for x, y in loader:
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def predict(model, loader, tta=True):
    model.eval()
    out = []
    with torch.no_grad():
        for (x,) in loader:
            logits = model.forward(x)
            if tta:
                logits = (logits + model.forward(torch.flip(x, dims=[3]))) / 2
            out.append(F.softmax(logits, 1).cpu().numpy())
    return np.concatenate(out)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--img_size", type=int, default=64)
    CFG = ap.parse_args()
    s = CFG.img_size
    train_ds = TensorDataset(torch.rand(320, 3, s, s), torch.randint(0, 5, (320,)))
    test_ds = TensorDataset(torch.rand(80, 3, s, s))
    model = LeafNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(CFG.epochs):
        train_fn(model, DataLoader(train_ds, batch_size=32, shuffle=True), optimizer)
    probs = predict(model, DataLoader(test_ds, batch_size=64, shuffle=False))
    np.save("submission_probs.npy", probs)
    print("pred class histogram", np.bincount(probs.argmax(1), minlength=5))
