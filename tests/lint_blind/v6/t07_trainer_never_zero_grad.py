# expect: TVL003
# style: Trainer class with train_step/fit split, CIFAR-like image classification
# bug: neither train_step nor fit ever clears gradients, so they accumulate across every batch.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ResBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b1 = nn.BatchNorm2d(c)
        self.c2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.b2 = nn.BatchNorm2d(c)

    def forward(self, x):
        h = F.relu(self.b1(self.c1(x)))
        return F.relu(x + self.b2(self.c2(h)))


class TinyResNet(nn.Module):
    def __init__(self, num_classes=10, c=32):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU())
        self.blocks = nn.Sequential(ResBlock(c), nn.MaxPool2d(2), ResBlock(c), nn.MaxPool2d(2))
        self.head = nn.Linear(c, num_classes)

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)).mean((2, 3)))


class Trainer:
    def __init__(self, model, lr=0.1, epochs=10, device="cpu"):
        self.model = model.to(device)
        self.device = device
        self.epochs = epochs
        self.optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
        self.criterion = nn.CrossEntropyLoss(label_smoothing=0.1)

    def train_step(self, batch):
        x, y = (t.to(self.device) for t in batch)
        logits = self.model(x)
        loss = self.criterion(logits, y)
        loss.backward()
        self.optimizer.step()
        acc = (logits.argmax(1) == y).float().mean().item()
        return loss.item(), acc

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for x, y in loader:
            pred = self.model(x.to(self.device)).argmax(1)
            correct += (pred == y.to(self.device)).sum().item()
            total += y.numel()
        return correct / total

    def fit(self, train_loader, val_loader):
        for epoch in range(self.epochs):
            self.model.train()
            t0 = time.time()
            losses, accs = [], []
            for batch in train_loader:
                l, a = self.train_step(batch)
                losses.append(l)
                accs.append(a)
            val_acc = self.evaluate(val_loader)
            print(f"[{epoch}] loss={sum(losses)/len(losses):.3f} train_acc={sum(accs)/len(accs):.3f} "
                  f"val_acc={val_acc:.3f} ({time.time() - t0:.1f}s)")


if __name__ == "__main__":
    xs, ys = torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,))
    train_loader = DataLoader(TensorDataset(xs[:1792], ys[:1792]), batch_size=128, shuffle=True)
    val_loader = DataLoader(TensorDataset(xs[1792:], ys[1792:]), batch_size=256)
    Trainer(TinyResNet(), epochs=3).fit(train_loader, val_loader)
