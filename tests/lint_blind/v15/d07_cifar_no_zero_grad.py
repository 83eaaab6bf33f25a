# expect: TVL003
# style: course-project script, CIFAR-like ResNet-ish classifier with synthetic images
# bug: the batch loop calls loss.backward() and optimizer.step() but never clears gradients, so they accumulate across every batch
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

NUM_CLASSES = 10
EPOCHS = 12
BATCH = 128
LR = 0.05
CKPT_DIR = "checkpoints"
os.makedirs(CKPT_DIR, exist_ok=True)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print("Using", device)


def fake_cifar(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, NUM_CLASSES, (n,), generator=g)
    x = torch.randn(n, 3, 32, 32, generator=g) * 0.5
    x[:, 0] += (y.float() / NUM_CLASSES).view(-1, 1, 1)
    return TensorDataset(x, y)


trainset = fake_cifar(10000, 0)
testset = fake_cifar(2000, 1)
trainloader = DataLoader(trainset, batch_size=BATCH, shuffle=True, num_workers=2)
testloader = DataLoader(testset, batch_size=BATCH, shuffle=False, num_workers=2)


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
        out = self.b2(self.c2(out))
        return F.relu(out + self.short(x))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layer1 = BasicBlock(32, 32)
        self.layer2 = BasicBlock(32, 64, 2)
        self.layer3 = BasicBlock(64, 128, 2)
        self.fc = nn.Linear(128, NUM_CLASSES)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


net = SmallResNet().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=LR, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=EPOCHS)

best_acc = 0.0
for epoch in range(EPOCHS):
    t0 = time.time()
    net.train()
    train_loss, correct, total = 0.0, 0, 0
    for inputs, targets in trainloader:
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()

        train_loss += loss.item()
        _, predicted = outputs.max(1)
        total += targets.size(0)
        correct += predicted.eq(targets).sum().item()
    scheduler.step()

    net.eval()
    test_correct, test_total = 0, 0
    with torch.no_grad():
        for inputs, targets in testloader:
            inputs, targets = inputs.to(device), targets.to(device)
            _, predicted = net(inputs).max(1)
            test_total += targets.size(0)
            test_correct += predicted.eq(targets).sum().item()
    acc = 100.0 * test_correct / test_total
    print(f"Epoch {epoch}: loss {train_loss / len(trainloader):.3f} | train acc {100.0 * correct / total:.2f} "
          f"| test acc {acc:.2f} | {time.time() - t0:.1f}s")
    if acc > best_acc:
        best_acc = acc
        torch.save({"net": net.state_dict(), "acc": acc, "epoch": epoch}, os.path.join(CKPT_DIR, "ckpt.pth"))

print("Best test accuracy:", best_acc)
