# expect: TVL014
# style: research repo train.py with --resume, ResNet-ish CIFAR training
# bug: --resume takes a checkpoint path from the command line and it is opened with torch.load(args.resume, map_location=...) without weights_only=True.
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = nn.Sequential()
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.b1(self.c1(x)))
        return F.relu(self.b2(self.c2(out)) + self.short(x))


class ResNet10(nn.Module):
    def __init__(self, n_cls=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.layers = nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 128, 2), BasicBlock(128, 256, 2), BasicBlock(256, 512, 2))
        self.fc = nn.Linear(512, n_cls)

    def forward(self, x):
        return self.fc(F.adaptive_avg_pool2d(self.layers(self.stem(x)), 1).flatten(1))


def get_args():
    p = argparse.ArgumentParser(description="CIFAR-10 training")
    p.add_argument("--lr", default=0.1, type=float)
    p.add_argument("--epochs", default=100, type=int)
    p.add_argument("--batch-size", default=128, type=int)
    p.add_argument("--resume", default="", type=str, help="path to latest checkpoint")
    p.add_argument("--save-dir", default="checkpoints", type=str)
    return p.parse_args()


def main():
    args = get_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    x, y = torch.randn(10000, 3, 32, 32), torch.randint(0, 10, (10000,))
    trainloader = DataLoader(TensorDataset(x[:9000], y[:9000]), batch_size=args.batch_size, shuffle=True, num_workers=2)
    testloader = DataLoader(TensorDataset(x[9000:], y[9000:]), batch_size=256, num_workers=2)

    net = ResNet10().to(device)
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    start_epoch, best_acc = 0, 0.0

    if args.resume:
        if os.path.isfile(args.resume):
            print(f"==> loading checkpoint '{args.resume}'")
            checkpoint = torch.load(args.resume, map_location=device)
            net.load_state_dict(checkpoint["net"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            scheduler.load_state_dict(checkpoint["scheduler"])
            start_epoch, best_acc = checkpoint["epoch"] + 1, checkpoint["acc"]
        else:
            print(f"==> no checkpoint found at '{args.resume}'")

    os.makedirs(args.save_dir, exist_ok=True)
    for epoch in range(start_epoch, args.epochs):
        t0 = time.time()
        net.train()
        train_loss = correct = total = 0
        for inputs, targets in trainloader:
            inputs, targets = inputs.to(device), targets.to(device)
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = F.cross_entropy(outputs, targets)
            loss.backward()
            optimizer.step()
            train_loss += loss.item()
            correct += outputs.argmax(1).eq(targets).sum().item()
            total += targets.size(0)
        scheduler.step()

        net.eval()
        test_correct = test_total = 0
        with torch.no_grad():
            for inputs, targets in testloader:
                outputs = net(inputs.to(device))
                test_correct += outputs.argmax(1).cpu().eq(targets).sum().item()
                test_total += targets.size(0)
        acc = 100.0 * test_correct / test_total
        print(f"Epoch {epoch}: loss {train_loss / len(trainloader):.3f} | train {100.0 * correct / total:.2f}% "
              f"| test {acc:.2f}% | {time.time() - t0:.0f}s")
        state = {"net": net.state_dict(), "optimizer": optimizer.state_dict(),
                 "scheduler": scheduler.state_dict(), "epoch": epoch, "acc": max(acc, best_acc)}
        torch.save(state, os.path.join(args.save_dir, "last.pth"))
        if acc > best_acc:
            best_acc = acc
            torch.save(state, os.path.join(args.save_dir, "best.pth"))


if __name__ == "__main__":
    main()
