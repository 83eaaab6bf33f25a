# expect: TVL001
# style: research repo Trainer class, image classification with learned temperature
# bug: Trainer.training_step gets logits through ClassifierWrapper.predict, which is decorated with @torch.no_grad(), so only the temperature parameter receives gradients.
import argparse
import logging
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tempcls")


def conv_bn(cin, cout, stride=1):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride, 1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=32):
        super().__init__()
        self.stem = conv_bn(3, width)
        self.layer1 = nn.Sequential(conv_bn(width, width), conv_bn(width, width))
        self.layer2 = nn.Sequential(conv_bn(width, width * 2, 2), conv_bn(width * 2, width * 2))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width * 2, num_classes)

    def forward(self, x):
        x = self.layer2(self.layer1(self.stem(x)))
        return self.fc(self.pool(x).flatten(1))


class ClassifierWrapper(nn.Module):
    """Bundles the backbone with a calibration temperature."""

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.log_t = nn.Parameter(torch.zeros(1))

    @torch.no_grad()
    def predict(self, images):
        # used by both the trainer and the export script
        return self.net(images)

    def scale(self, logits):
        return logits / self.log_t.exp()


class Trainer:
    def __init__(self, model, optimizer, device):
        self.model = model
        self.optimizer = optimizer
        self.device = device
        self.step = 0

    def training_step(self, batch):
        images, labels = (t.to(self.device) for t in batch)
        logits = self.model.predict(images)
        logits = self.model.scale(logits)
        return F.cross_entropy(logits, labels, label_smoothing=0.1)

    def fit_epoch(self, loader):
        self.model.train()
        running, n = 0.0, 0
        for batch in loader:
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.training_step(batch)
            loss.backward()
            self.optimizer.step()
            running += loss.item() * batch[0].size(0)
            n += batch[0].size(0)
            self.step += 1
        return running / max(n, 1)

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for images, labels in loader:
            logits = self.model.scale(self.model.predict(images.to(self.device)))
            correct += (logits.argmax(1).cpu() == labels).sum().item()
            total += labels.numel()
        self.model.train()
        return correct / max(total, 1)


def synthetic(n, num_classes=10):
    x = torch.randn(n, 3, 32, 32)
    y = torch.randint(0, num_classes, (n,))
    return TensorDataset(x, y)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--bs", type=int, default=64)
    p.add_argument("--out", default="runs/tempcls")
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    model = ClassifierWrapper(SmallResNet()).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    train_dl = DataLoader(synthetic(2048), batch_size=args.bs, shuffle=True, drop_last=True)
    val_dl = DataLoader(synthetic(512), batch_size=256)

    trainer = Trainer(model, opt, device)
    best = -math.inf
    os.makedirs(args.out, exist_ok=True)
    for epoch in range(args.epochs):
        tr = trainer.fit_epoch(train_dl)
        acc = trainer.evaluate(val_dl)
        log.info("epoch %d loss %.4f acc %.3f T=%.3f", epoch, tr, acc, model.log_t.exp().item())
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.out, "best.pt"))


if __name__ == "__main__":
    main()
