# expect: TVL008
# style: DeepLabV3-like segmentation repo (ASPP head, SegmentationTrainer class)
# bug: SegHead.forward() ends in softmax(dim=1) and the trainer feeds those probabilities to nn.CrossEntropyLoss, which applies log_softmax again
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ASPP(nn.Module):
    def __init__(self, cin, cout, rates=(1, 6, 12)):
        super().__init__()
        self.branches = nn.ModuleList(nn.Conv2d(cin, cout, 3, padding=r, dilation=r) for r in rates)
        self.project = nn.Conv2d(cout * len(rates), cout, 1)

    def forward(self, x):
        return self.project(torch.cat([F.relu(b(x)) for b in self.branches], dim=1))


class SegHead(nn.Module):
    def __init__(self, cin, n_classes):
        super().__init__()
        self.aspp = ASPP(cin, 64)
        self.classifier = nn.Conv2d(64, n_classes, 1)

    def forward(self, feats, size):
        logits = self.classifier(self.aspp(feats))
        logits = F.interpolate(logits, size=size, mode="bilinear", align_corners=False)
        return torch.softmax(logits, dim=1)


class DeepLabLite(nn.Module):
    def __init__(self, n_classes=21):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.head = SegHead(64, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x), x.shape[-2:])


class SegmentationTrainer:
    def __init__(self, model, lr, ignore_index=255):
        self.model = model
        self.criterion = nn.CrossEntropyLoss(ignore_index=ignore_index)
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)

    def train_epoch(self, loader):
        self.model.train()
        total = 0.0
        for images, labels in loader:
            outputs = self.model(images)
            loss = self.criterion(outputs, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total += loss.item()
        return total / len(loader)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.01)
    args = ap.parse_args()
    ds = TensorDataset(torch.randn(40, 3, 128, 128), torch.randint(0, 21, (40, 128, 128)))
    trainer = SegmentationTrainer(DeepLabLite(), args.lr)
    for ep in range(args.epochs):
        print(ep, trainer.train_epoch(DataLoader(ds, batch_size=4, shuffle=True)))
