# expect: TVL004
# style: plain script, CIFAR-like ResNet-ish CNN with BatchNorm+Dropout, validation inline each epoch
# bug: model.eval() is called for the validation block inside the epoch loop and model.train() is never called again, so from epoch 2 on training runs with frozen BN statistics and no dropout.
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_data(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    x = torch.randn(n, 3, 32, 32, generator=g) * 0.5
    x[torch.arange(n), y % 3, :, :] += (y.float() / 10).view(-1, 1, 1)
    return TensorDataset(x, y)


class Block(nn.Module):
    def __init__(self, c_in, c_out, stride):
        super().__init__()
        self.c1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c_out)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c_out)
        self.short = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.short = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        out = self.b2(self.c2(out))
        return F.relu(out + self.short(x))


class SmallResNet(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layers = nn.Sequential(Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(self.drop(x))


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=20)
parser.add_argument("--lr", type=float, default=0.1)
parser.add_argument("--wd", type=float, default=5e-4)
parser.add_argument("--ckpt-dir", default="checkpoints")
args = parser.parse_args()
os.makedirs(args.ckpt_dir, exist_ok=True)

device = "cuda" if torch.cuda.is_available() else "cpu"
train_loader = DataLoader(make_data(10000, 0), batch_size=128, shuffle=True, num_workers=2)
test_loader = DataLoader(make_data(2000, 1), batch_size=256, shuffle=False)

net = SmallResNet().to(device)
optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.wd, nesterov=True)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
criterion = nn.CrossEntropyLoss()

best_acc = 0.0
net.train()
for epoch in range(args.epochs):
    t0 = time.time()
    train_loss, correct, total = 0.0, 0, 0
    for inputs, targets in train_loader:
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        train_loss += loss.item()
        correct += outputs.argmax(1).eq(targets).sum().item()
        total += targets.size(0)
    scheduler.step()

    # ---- test
    net.eval()
    test_correct, test_total = 0, 0
    with torch.no_grad():
        for inputs, targets in test_loader:
            inputs, targets = inputs.to(device), targets.to(device)
            test_correct += net(inputs).argmax(1).eq(targets).sum().item()
            test_total += targets.size(0)
    acc = 100.0 * test_correct / test_total
    print(f"[{epoch:03d}] loss {train_loss / len(train_loader):.3f} train_acc {100.0 * correct / total:.2f} "
          f"test_acc {acc:.2f} lr {scheduler.get_last_lr()[0]:.4f} ({time.time() - t0:.1f}s)")
    if acc > best_acc:
        best_acc = acc
        torch.save({"net": net.state_dict(), "acc": acc, "epoch": epoch}, os.path.join(args.ckpt_dir, "best.pth"))

print("best acc", best_acc)
