# real: source=https://github.com/kuangliu/pytorch-cifar (main.py, models/resnet.py)
# real: args=
# real: bug=lr-floor-division expect=parameters-not-moving,lr-too-small
# real: bug=train-mode-forgotten expect=training-in-eval-mode
"""kuangliu/pytorch-cifar: a ResNet of BasicBlocks (conv bias=False + BatchNorm2d, 1x1 shortcut),
CrossEntropyLoss, SGD(lr=0.1, momentum=0.9, weight_decay=5e-4), CosineAnnealingLR per epoch,
train()/test() with train()/eval(), a {'net', 'acc', 'epoch'} checkpoint at the best accuracy.
Changed: synthetic 16x16 images of ten classes, a two-stage 8/16-channel ResNet, T_max=5."""

import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_num_threads(1)

parser = argparse.ArgumentParser(description="PyTorch CIFAR10 Training")
parser.add_argument("--lr", default=0.1, type=float, help="learning rate")
parser.add_argument("--epochs", default=5, type=int)
parser.add_argument("--resume", "-r", action="store_true", help="resume from checkpoint")
parser.add_argument("--bug", default="", choices=["", "lr-floor-division",
                                                  "train-mode-forgotten"])
args = parser.parse_args()

torch.manual_seed(0)
device = "cpu"
best_acc = 0  # best test accuracy
start_epoch = 0  # start from epoch 0 or last checkpoint epoch
workdir = tempfile.TemporaryDirectory()


def synthetic_cifar(n, seed):
    """Ten classes: a class colour and a class stripe orientation/frequency, noise, random
    horizontal flips; normalised per channel like transforms.Normalize."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 10, (n,), generator=g)
    colours = torch.rand(10, 3, 1, 1, generator=torch.Generator().manual_seed(5))
    yy, xx = torch.meshgrid(torch.arange(16.0), torch.arange(16.0), indexing="ij")
    angle = (y.float() * 0.314)[:, None, None]
    freq = (0.5 + 0.1 * (y % 3).float())[:, None, None]
    stripes = torch.sin(freq * (torch.cos(angle) * xx + torch.sin(angle) * yy))
    x = 0.5 * colours[y] + 0.4 * stripes[:, None] + 0.3 * torch.randn(n, 3, 16, 16, generator=g)
    flip = torch.rand(n, generator=g) < 0.5
    x[flip] = x[flip].flip(-1)
    x = (x - x.mean((0, 2, 3), keepdim=True)) / x.std((0, 2, 3), keepdim=True)
    return torch.utils.data.TensorDataset(x, y)


# Data
print("==> Preparing data..")
trainset = synthetic_cifar(512, 1)
trainloader = torch.utils.data.DataLoader(trainset, batch_size=32, shuffle=True, num_workers=0)
testset = synthetic_cifar(200, 2)
testloader = torch.utils.data.DataLoader(testset, batch_size=100, shuffle=False, num_workers=0)

classes = ("plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)

        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion * planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion * planes, kernel_size=1, stride=stride,
                          bias=False),
                nn.BatchNorm2d(self.expansion * planes)
            )

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        out = F.relu(out)
        return out


class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super().__init__()
        self.in_planes = 8

        self.conv1 = nn.Conv2d(3, 8, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.layer1 = self._make_layer(block, 8, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 16, num_blocks[1], stride=2)
        self.linear = nn.Linear(16 * block.expansion, num_classes)

    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1] * (num_blocks - 1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer1(out)
        out = self.layer2(out)
        out = F.adaptive_avg_pool2d(out, 1)
        out = out.view(out.size(0), -1)
        out = self.linear(out)
        return out


def ResNetTiny():
    return ResNet(BasicBlock, [1, 1])


# Model
print("==> Building model..")
net = ResNetTiny()
net = net.to(device)

if args.resume:
    # Load checkpoint.
    print("==> Resuming from checkpoint..")
    checkpoint = torch.load(os.path.join(workdir.name, "checkpoint", "ckpt.pth"))
    net.load_state_dict(checkpoint["net"])
    best_acc = checkpoint["acc"]
    start_epoch = checkpoint["epoch"]

criterion = nn.CrossEntropyLoss()
lr = args.lr
if args.bug == "lr-floor-division":  # linear scaling rule for batch 32 instead of 128
    lr = args.lr * 32 // 128
optimizer = optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)


# Training
def train(epoch):
    print(f"\nEpoch: {epoch}")
    if args.bug != "train-mode-forgotten":  # test() leaves the net in eval()
        net.train()
    train_loss = 0
    correct = 0
    total = 0
    for batch_idx, (inputs, targets) in enumerate(trainloader):  # noqa: B007
        inputs, targets = inputs.to(device), targets.to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()

        train_loss += loss.item()
        _, predicted = outputs.max(1)
        total += targets.size(0)
        correct += predicted.eq(targets).sum().item()

    print(f"Loss: {train_loss / (batch_idx + 1):.3f} | Acc: {100.0 * correct / total:.3f}% "
          f"({correct}/{total})")


def test(epoch):
    global best_acc
    net.eval()
    test_loss = 0
    correct = 0
    total = 0
    with torch.no_grad():
        for batch_idx, (inputs, targets) in enumerate(testloader):  # noqa: B007
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = net(inputs)
            loss = criterion(outputs, targets)

            test_loss += loss.item()
            _, predicted = outputs.max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()

    print(f"Test Loss: {test_loss / (batch_idx + 1):.3f} | Acc: {100.0 * correct / total:.3f}% "
          f"({correct}/{total})")

    # Save checkpoint.
    acc = 100.0 * correct / total
    if acc > best_acc:
        print("Saving..")
        state = {
            "net": net.state_dict(),
            "acc": acc,
            "epoch": epoch,
        }
        if not os.path.isdir(os.path.join(workdir.name, "checkpoint")):
            os.mkdir(os.path.join(workdir.name, "checkpoint"))
        torch.save(state, os.path.join(workdir.name, "checkpoint", "ckpt.pth"))
        best_acc = acc


for epoch in range(start_epoch, start_epoch + args.epochs):
    train(epoch)
    test(epoch)
    scheduler.step()
workdir.cleanup()
