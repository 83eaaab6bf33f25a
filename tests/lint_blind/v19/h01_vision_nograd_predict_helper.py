# expect: TVL001
# style: beginner-ish CIFAR-style image classifier script, helper functions
# bug: the shared `predict_logits` helper is decorated with @torch.no_grad() and is also used in the training step; loss.requires_grad=True hides the error, so the network never receives gradients
import os
import time
import logging
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
log = logging.getLogger("cifar")

SEED = 1234
BATCH_SIZE = 64
EPOCHS = 12
LR = 3e-4
OUT_DIR = "runs/cifar_small"


def seed_everything(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


class SmallConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1),
            nn.BatchNorm2d(32),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.BatchNorm2d(64),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1),
            nn.BatchNorm2d(128),
            nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


def make_fake_cifar(n, num_classes=10):
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, num_classes, (n,))
    return TensorDataset(x, y)


def augment(x):
    # random horizontal flip, done on the batch
    flip = torch.rand(x.size(0), device=x.device) < 0.5
    x = x.clone()
    x[flip] = x[flip].flip(-1)
    return x


@torch.no_grad()
def predict_logits(model, images, device):
    images = images.to(device, non_blocking=True)
    return model(images)


def accuracy(logits, targets):
    return (logits.argmax(dim=1) == targets).float().mean().item()


def train_one_epoch(model, loader, optimizer, criterion, device, epoch):
    model.train()
    running, seen, correct = 0.0, 0, 0
    t0 = time.time()
    for step, (images, targets) in enumerate(loader):
        targets = targets.to(device)
        images = augment(images)
        logits = predict_logits(model, images, device)
        loss = criterion(logits, targets)
        # got "element 0 of tensors does not require grad" so enable it here
        loss.requires_grad = True

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        running += loss.item() * targets.size(0)
        correct += (logits.argmax(1) == targets).sum().item()
        seen += targets.size(0)
        if step % 50 == 0:
            log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
    log.info("epoch %d train loss %.4f acc %.3f (%.1fs)", epoch, running / seen, correct / seen, time.time() - t0)
    return running / seen


def evaluate(model, loader, criterion, device):
    model.eval()
    total, seen, correct = 0.0, 0, 0
    for images, targets in loader:
        targets = targets.to(device)
        logits = predict_logits(model, images, device)
        total += criterion(logits, targets).item() * targets.size(0)
        correct += (logits.argmax(1) == targets).sum().item()
        seen += targets.size(0)
    return total / seen, correct / seen


def save_checkpoint(model, optimizer, epoch, path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def main():
    seed_everything(SEED)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    train_ds = make_fake_cifar(5000)
    val_ds = make_fake_cifar(1000)
    train_loader = DataLoader(train_ds, batch_size=BATCH_SIZE, shuffle=True, num_workers=2, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256, shuffle=False, num_workers=2)

    model = SmallConvNet().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    best_acc = 0.0
    for epoch in range(EPOCHS):
        train_one_epoch(model, train_loader, optimizer, criterion, device, epoch)
        val_loss, val_acc = evaluate(model, val_loader, criterion, device)
        log.info("epoch %d val loss %.4f acc %.3f", epoch, val_loss, val_acc)
        if val_acc > best_acc:
            best_acc = val_acc
            save_checkpoint(model, optimizer, epoch, os.path.join(OUT_DIR, "best.pt"))
    log.info("best val acc %.3f", best_acc)


if __name__ == "__main__":
    main()
