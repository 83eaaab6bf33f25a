# expect: TVL003
# style: course-project script, CIFAR-like image classification with a small ResNet
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), wiping the gradients right before each update.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


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
    def __init__(self, n_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU())
        self.layer1 = BasicBlock(32, 32)
        self.layer2 = BasicBlock(32, 64, 2)
        self.layer3 = BasicBlock(64, 128, 2)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.fc(F.adaptive_avg_pool2d(x, 1).flatten(1))


train_set = TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,)))
test_set = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
trainloader = DataLoader(train_set, batch_size=128, shuffle=True, num_workers=2)
testloader = DataLoader(test_set, batch_size=100, shuffle=False, num_workers=2)

net = SmallResNet().to(device)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4, nesterov=True)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[15, 25], gamma=0.1)
best_acc = 0.0

for epoch in range(30):
    start = time.time()
    net.train()
    train_loss = correct = total = 0
    for batch_idx, (inputs, targets) in enumerate(trainloader):
        inputs, targets = inputs.to(device), targets.to(device)
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()

        train_loss += loss.item()
        _, predicted = outputs.max(1)
        total += targets.size(0)
        correct += predicted.eq(targets).sum().item()
    scheduler.step()

    net.eval()
    test_correct = test_total = 0
    with torch.no_grad():
        for inputs, targets in testloader:
            inputs, targets = inputs.to(device), targets.to(device)
            predicted = net(inputs).argmax(1)
            test_total += targets.size(0)
            test_correct += predicted.eq(targets).sum().item()
    acc = 100.0 * test_correct / test_total
    print(f"Epoch {epoch} | loss {train_loss / (batch_idx + 1):.3f} | train acc {100. * correct / total:.2f}"
          f" | test acc {acc:.2f} | {time.time() - start:.1f}s")
    if acc > best_acc:
        best_acc = acc
        torch.save(net.state_dict(), "ckpt_best.pth")
