# expect: clean
# style: detection-style fine-tuning loop with frozen BatchNorm statistics and a final predict pass, small-object classifier on aerial crops
# note: model.eval()/.eval() calls appear inside and after training (BN layers put in eval inside train_one_epoch; model.eval() for the final test pass after the epoch loop), which looks like TVL004, but train_one_epoch calls model.train() before freezing only the BN layers, and the final eval happens after training is over
import argparse
import logging
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
logger = logging.getLogger("aerial")
CLASSES = ["plane", "ship", "storage-tank", "baseball-diamond", "tennis-court", "basketball-court",
           "ground-track-field", "harbor", "bridge", "large-vehicle", "small-vehicle", "helicopter",
           "roundabout", "soccer-field", "swimming-pool"]


def freeze_bn(module):
    if isinstance(module, nn.BatchNorm2d):
        module.eval()
        for p in module.parameters():
            p.requires_grad_(False)


class AerialNet(nn.Module):
    def __init__(self, n_classes=15):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        return self.fc(self.dropout(self.backbone(x)))


def train_one_epoch(model, loader, opt, device):
    model.train()
    model.apply(freeze_bn)  # tiny batches: keep pretrained BN statistics fixed
    tot = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def accuracy(model, loader, device):
    model.eval()
    hit = n = 0
    for x, y in loader:
        hit += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        n += y.numel()
    return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--bs", type=int, default=4)
    ap.add_argument("--work-dir", default="work_dirs/aerial")
    args = ap.parse_args()
    os.makedirs(args.work_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x = torch.randn(1500, 3, 48, 48)
    y = torch.randint(0, 15, (1500,))
    train_loader = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=args.bs, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[1000:1250], y[1000:1250]), batch_size=64)
    test_loader = DataLoader(TensorDataset(x[1250:], y[1250:]), batch_size=64)

    model = AerialNet().to(device)
    model.apply(freeze_bn)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.01, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=8, gamma=0.1)
    best_acc = 0.0
    for epoch in range(args.epochs):
        loss = train_one_epoch(model, train_loader, opt, device)
        sched.step()
        t0 = time.time()
        val_acc = accuracy(model, val_loader, device)
        logger.info("epoch %d loss %.4f val_acc %.4f (eval %.1fs)", epoch, loss, val_acc, time.time() - t0)
        if val_acc > best_acc:
            best_acc = val_acc
            torch.save(model.state_dict(), os.path.join(args.work_dir, "best.pth"))

    model.eval()
    preds = []
    with torch.no_grad():
        for xb, _ in test_loader:
            preds.append(model(xb.to(device)).argmax(1).cpu())
    preds = torch.cat(preds)
    logger.info("test accuracy %.4f (best val %.4f)", (preds == y[1250:]).float().mean().item(), best_acc)
    per_class = {CLASSES[c]: (preds[y[1250:] == c] == c).float().mean().item()
                 for c in range(len(CLASSES)) if (y[1250:] == c).any()}
    for name, acc in sorted(per_class.items(), key=lambda kv: kv[1]):
        logger.info("  %-20s %.3f", name, acc)
    torch.save(model.state_dict(), os.path.join(args.work_dir, "final.pth"))


if __name__ == "__main__":
    main()
