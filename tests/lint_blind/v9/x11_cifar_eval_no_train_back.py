# expect: TVL004
# style: course-project CIFAR-style ResNet script, inline loop
# bug: model.train() is called once before the epoch loop and the per-epoch validation switches to eval() without switching back, so epochs 2+ train with dropout off and frozen BN statistics.
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
        out = self.b2(self.c2(out))
        return F.relu(out + self.short(x))


class ResNetMini(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layers = nn.Sequential(BasicBlock(32, 32), BasicBlock(32, 64, 2), BasicBlock(64, 128, 2))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(128, num_classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(self.drop(x))


device = "cuda" if torch.cuda.is_available() else "cpu"
train_ds = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
test_ds = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
trainloader = DataLoader(train_ds, batch_size=128, shuffle=True, num_workers=2)
testloader = DataLoader(test_ds, batch_size=256, shuffle=False)

net = ResNetMini().to(device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=30)

best_acc = 0.0
net.train()
for epoch in range(30):
    start = time.time()
    train_loss, correct, total = 0.0, 0, 0
    for inputs, targets in trainloader:
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

    net.eval()
    test_correct, test_total = 0, 0
    with torch.no_grad():
        for inputs, targets in testloader:
            inputs, targets = inputs.to(device), targets.to(device)
            test_correct += net(inputs).argmax(1).eq(targets).sum().item()
            test_total += targets.size(0)
    acc = 100.0 * test_correct / test_total
    print(f"Epoch {epoch} | loss {train_loss / len(trainloader):.3f} | train acc {100. * correct / total:.2f} | test acc {acc:.2f} | {time.time() - start:.0f}s")
    if acc > best_acc:
        best_acc = acc
        torch.save(net.state_dict(), "ckpt.pth")
