# expect: TVL013
# style: engine/Trainer class with a feature-capture forward hook used for an auxiliary loss, fine-grained vision
# bug: the model registers a forward pre/post hook for feature capture, but Trainer._step() calls self.model.forward(images), so the hook never fires and the aux loss uses stale features
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("engine")


class Backbone(nn.Module):
    def __init__(self, width=64):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU())
        self.layer3 = nn.Sequential(nn.Conv2d(width * 2, width * 4, 3, 2, 1), nn.BatchNorm2d(width * 4), nn.ReLU())

    def forward(self, x):
        return self.layer3(self.layer2(self.layer1(x)))


class FineGrainedNet(nn.Module):
    def __init__(self, n_classes=200, width=64):
        super().__init__()
        self.backbone = Backbone(width)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 4, n_classes)
        self.aux_fc = nn.Linear(width * 2, n_classes)
        self.captured = {}
        self.backbone.layer2.register_forward_hook(self._capture("mid"))

    def _capture(self, key):
        def hook(module, inputs, output):
            self.captured[key] = output
        return hook

    def forward(self, x):
        return self.fc(self.pool(self.backbone(x)).flatten(1))

    def aux_logits(self):
        return self.aux_fc(self.pool(self.captured["mid"]).flatten(1))


class Trainer:
    def __init__(self, model, optimizer, aux_weight=0.4, device="cpu"):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.aux_weight = aux_weight
        self.device = device
        self.iter = 0

    def _step(self, images, labels):
        logits = self.model.forward(images)
        aux = self.model.aux_logits()
        loss = F.cross_entropy(logits, labels) + self.aux_weight * F.cross_entropy(aux, labels)
        return loss, logits

    def train_epoch(self, loader):
        self.model.train()
        tot = 0.0
        for images, labels in loader:
            images, labels = images.to(self.device), labels.to(self.device)
            loss, _ = self._step(images, labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            tot += loss.item()
            self.iter += 1
        return tot / len(loader)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = 0
        for images, labels in loader:
            correct += (self.model(images.to(self.device)).argmax(1).cpu() == labels).sum().item()
        self.model.train()
        return correct / len(loader.dataset)


def birds(n, k=200):
    return TensorDataset(torch.randn(n, 3, 112, 112), torch.randint(0, k, (n,)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--aux-weight", type=float, default=0.4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = FineGrainedNet()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.1)
    trainer = Trainer(model, opt, args.aux_weight)
    train_dl = DataLoader(birds(3000), batch_size=32, shuffle=True)
    val_dl = DataLoader(birds(600), batch_size=64)
    # warm up the hook cache once so aux_logits() has something on the first step
    with torch.no_grad():
        model.eval()
        model(torch.randn(2, 3, 112, 112))
        model.train()
    for ep in range(args.epochs):
        loss = trainer.train_epoch(train_dl)
        sched.step()
        acc = trainer.evaluate(val_dl)
        logger.info("epoch %d loss %.4f acc %.4f lr %.4g", ep, loss, acc, sched.get_last_lr()[0])


if __name__ == "__main__":
    main()
