# expect: TVL002
# style: config-dict fine-tuning script, image classification with discriminative learning rates
# bug: extract_features() returns backbone features .detach()ed, so the backbone param group (meant to be fine-tuned) never receives gradients
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)

CFG = {
    "num_classes": 20,
    "backbone_lr": 1e-4,
    "head_lr": 1e-3,
    "epochs": 12,
    "batch_size": 64,
    "label_smoothing": 0.1,
}


class Backbone(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU())
        self.stage1 = nn.Sequential(nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU())
        self.stage2 = nn.Sequential(nn.Conv2d(width * 2, width * 4, 3, 2, 1), nn.BatchNorm2d(width * 4), nn.ReLU())
        self.out_dim = width * 4

    def forward(self, x):
        return self.stage2(self.stage1(self.stem(x)))


def extract_features(backbone, images):
    fmap = backbone(images)
    pooled = F.adaptive_avg_pool2d(fmap, 1).flatten(1)
    return pooled.detach()


class Classifier(nn.Module):
    def __init__(self, in_dim, n_classes):
        super().__init__()
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(in_dim, n_classes)

    def forward(self, feats):
        return self.fc(self.drop(feats))


def build_optimizer(backbone, head, cfg):
    return torch.optim.AdamW([
        {"params": backbone.parameters(), "lr": cfg["backbone_lr"]},
        {"params": head.parameters(), "lr": cfg["head_lr"]},
    ], weight_decay=0.05)


def evaluate(backbone, head, loader):
    backbone.eval()
    head.eval()
    correct = n = 0
    with torch.no_grad():
        for x, y in loader:
            pred = head(extract_features(backbone, x)).argmax(1)
            correct += (pred == y).sum().item()
            n += len(y)
    backbone.train()
    head.train()
    return correct / n


def main(cfg):
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    x = torch.randn(3000, 3, 64, 64)
    y = torch.randint(0, cfg["num_classes"], (3000,))
    train_loader = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=cfg["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=256)

    backbone = Backbone()
    # pretend we loaded ImageNet weights here
    head = Classifier(backbone.out_dim, cfg["num_classes"])
    optimizer = build_optimizer(backbone, head, cfg)
    criterion = nn.CrossEntropyLoss(label_smoothing=cfg["label_smoothing"])

    best = 0.0
    for epoch in range(cfg["epochs"]):
        backbone.train()
        head.train()
        total = 0.0
        for x_b, y_b in train_loader:
            logits = head(extract_features(backbone, x_b))
            loss = criterion(logits, y_b)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y_b)
        acc = evaluate(backbone, head, val_loader)
        logger.info("epoch %d loss %.4f acc %.4f", epoch, total / 2500, acc)
        if acc > best:
            best = acc
            torch.save({"backbone": backbone.state_dict(), "head": head.state_dict()}, "best.pt")
    logger.info("best acc %.4f", best)


if __name__ == "__main__":
    main(CFG)
