# real: source=https://github.com/facebookresearch/open_lth (Frankle, Schwab & Morcos, "Training BatchNorm and Only BatchNorm", ICLR 2021)
# real: args=
# real: bug=bn-eval-mode expect=training-in-eval-mode
"""Training BatchNorm and only BatchNorm (open_lth): a ResNet-style CNN keeps its random conv and
output weights frozen (requires_grad=False); only BatchNorm weight/bias train, Adam(lr=1e-2) over
the parameters that require grad, CrossEntropyLoss, train()/eval() per epoch.
Changed: a small CNN and synthetic 16x16 images of four classes (a colour cast) for CIFAR-10."""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=1e-2)
parser.add_argument("--bug", default="", choices=["", "bn-eval-mode"])
args = parser.parse_args()
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, f_in, f_out, downsample=False):
        super().__init__()
        stride = 2 if downsample else 1
        self.conv1 = nn.Conv2d(f_in, f_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(f_out)
        self.conv2 = nn.Conv2d(f_out, f_out, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(f_out)
        if downsample or f_in != f_out:
            self.shortcut = nn.Sequential(nn.Conv2d(f_in, f_out, 1, stride=stride, bias=False),
                                          nn.BatchNorm2d(f_out))
        else:
            self.shortcut = nn.Sequential()

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += self.shortcut(x)
        return F.relu(out)


class Model(nn.Module):
    def __init__(self, num_classes=4):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, stride=1, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(8)
        self.blocks = nn.Sequential(Block(8, 8), Block(8, 16, downsample=True))
        self.fc = nn.Linear(16, num_classes)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        out = self.blocks(out)
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


def make_images(n, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (n,), generator=g)
    images = torch.randn(n, 3, 16, 16, generator=g)
    colours = torch.tensor([[1.0, 0, 0], [0, 1.0, 0], [0, 0, 1.0], [-0.6, -0.6, -0.6]])
    images += 0.8 * colours[labels][:, :, None, None]  # a class colour cast
    return TensorDataset(images, labels)


train_loader = DataLoader(make_images(512, 1), batch_size=32, shuffle=True)
test_loader = DataLoader(make_images(256, 2), batch_size=128)

model = Model()
# Freeze everything except BatchNorm: open_lth's --others_frozen / --output_frozen.
for name, param in model.named_parameters():
    is_bn = any(isinstance(m, nn.BatchNorm2d) and name.startswith(prefix + ".")
                for prefix, m in model.named_modules() if prefix)
    param.requires_grad = is_bn
trainable = [p for p in model.parameters() if p.requires_grad]
print(f"training {sum(p.numel() for p in trainable)} of "
      f"{sum(p.numel() for p in model.parameters())} parameters (BatchNorm only)")
optimizer = torch.optim.Adam(trainable, lr=args.lr)
loss_fn = nn.CrossEntropyLoss()

for epoch in range(args.epochs):
    if args.bug == "bn-eval-mode":
        model.eval()  # "the frozen backbone goes in eval mode", BatchNorm included
    else:
        model.train()
    total = 0.0
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
    model.eval()
    correct = 0
    with torch.no_grad():
        for x, y in test_loader:
            correct += (model(x).argmax(1) == y).sum().item()
    print(f"epoch {epoch}: train loss {total / 512:.4f}, test accuracy {correct / 256:.3f}")
