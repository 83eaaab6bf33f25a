# expect: TVL013
# style: LightningModule-like wrapper around a backbone (training_step/validation_step), fit loop written by hand
# bug: ClassifierTask.training_step() computes logits via self.backbone.forward(images) instead of self.backbone(images)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Backbone(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                                      nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(1))
        self.classifier = nn.Linear(64, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class ClassifierTask(nn.Module):
    def __init__(self, n_classes=10, lr=1e-3):
        super().__init__()
        self.backbone = Backbone(n_classes)
        self.lr = lr

    def training_step(self, batch, batch_idx):
        images, labels = batch
        logits = self.backbone.forward(images)
        return F.cross_entropy(logits, labels)

    def validation_step(self, batch, batch_idx):
        images, labels = batch
        logits = self(images)
        return (logits.argmax(1) == labels).float().mean()

    def forward(self, x):
        return self.backbone(x)

    def configure_optimizers(self):
        return torch.optim.Adam(self.parameters(), lr=self.lr)


def fit(task, train_dl, val_dl, max_epochs):
    opt = task.configure_optimizers()
    for epoch in range(max_epochs):
        task.train()
        for i, batch in enumerate(train_dl):
            loss = task.training_step(batch, i)
            opt.zero_grad()
            loss.backward()
            opt.step()
        task.eval()
        with torch.no_grad():
            accs = [task.validation_step(b, i).item() for i, b in enumerate(val_dl)]
        print(f"epoch={epoch} val_acc={sum(accs) / len(accs):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--max_epochs", type=int, default=5)
    args = ap.parse_args()
    tr = TensorDataset(torch.randn(800, 3, 32, 32), torch.randint(0, 10, (800,)))
    va = TensorDataset(torch.randn(200, 3, 32, 32), torch.randint(0, 10, (200,)))
    fit(ClassifierTask(), DataLoader(tr, batch_size=64, shuffle=True), DataLoader(va, batch_size=128),
        args.max_epochs)
