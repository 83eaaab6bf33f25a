# expect: TVL013
# style: inline training loop with forward hooks for feature-statistics logging, CIFAR-like ResNet block net
# bug: the training loop calls model.forward(images) directly, so the forward hooks registered for activation monitoring (and any other module hooks) never fire
import argparse
from collections import defaultdict

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


class ResNetMini(nn.Module):
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


act_stats = defaultdict(list)


def make_hook(name):
    def hook(module, inputs, output):
        act_stats[name].append((output.detach().mean().item(), output.detach().std().item()))
    return hook


ap = argparse.ArgumentParser()
ap.add_argument("--epochs", type=int, default=15)
ap.add_argument("--lr", type=float, default=0.1)
ap.add_argument("--bs", type=int, default=128)
args = ap.parse_args()
device = "cuda" if torch.cuda.is_available() else "cpu"

x = torch.randn(6000, 3, 32, 32)
y = torch.randint(0, 10, (6000,))
train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=args.bs, shuffle=True, num_workers=2)
test_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=500, num_workers=2)

model = ResNetMini().to(device)
handles = [getattr(model, n).register_forward_hook(make_hook(n)) for n in ("layer1", "layer2", "layer3")]
optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 12], gamma=0.1)

for epoch in range(args.epochs):
    model.train()
    act_stats.clear()
    loss_sum, correct, seen = 0.0, 0, 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        logits = model.forward(images)
        loss = F.cross_entropy(logits, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss_sum += loss.item() * labels.size(0)
        correct += (logits.argmax(1) == labels).sum().item()
        seen += labels.size(0)
    scheduler.step()

    summary = {k: (sum(m for m, _ in v) / len(v), sum(s for _, s in v) / len(v)) for k, v in act_stats.items() if v}
    print(f"epoch {epoch} loss {loss_sum / seen:.4f} train_acc {correct / seen:.4f} act_stats {summary}")

    model.eval()
    hit = 0
    with torch.no_grad():
        for images, labels in test_loader:
            hit += (model(images.to(device)).argmax(1).cpu() == labels).sum().item()
    print(f"          test_acc {hit / len(test_loader.dataset):.4f}")

for h in handles:
    h.remove()
torch.save(model.state_dict(), "resnet_mini.pt")
