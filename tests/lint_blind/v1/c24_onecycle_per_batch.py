# expect: clean
# style: fast.ai-style / Kaggle one-cycle training (OneCycleLR stepped per batch, as designed)
# note: OneCycleLR is a per-iteration schedule (total_steps = epochs * len(loader)); stepping it every batch after optimizer.step() is correct
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def conv_block(cin, cout, pool=False):
    layers = [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
    if pool:
        layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers)


class ResNet9ish(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.prep = conv_block(3, 64)
        self.layer1 = conv_block(64, 128, pool=True)
        self.res1 = nn.Sequential(conv_block(128, 128), conv_block(128, 128))
        self.classifier = nn.Sequential(nn.AdaptiveMaxPool2d(1), nn.Flatten(), nn.Linear(128, num_classes))

    def forward(self, x):
        x = self.layer1(self.prep(x))
        return self.classifier(x + self.res1(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--max-lr", type=float, default=0.01)
    parser.add_argument("--grad-clip", type=float, default=0.1)
    args = parser.parse_args()
    train_dl = DataLoader(TensorDataset(torch.randn(1600, 3, 32, 32), torch.randint(0, 10, (1600,))),
                          batch_size=128, shuffle=True, drop_last=True)
    model = ResNet9ish()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.max_lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(optimizer, args.max_lr, epochs=args.epochs,
                                                steps_per_epoch=len(train_dl))
    lrs = []
    for epoch in range(args.epochs):
        model.train()
        losses = []
        for images, labels in train_dl:
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            nn.utils.clip_grad_value_(model.parameters(), args.grad_clip)
            optimizer.step()
            optimizer.zero_grad()
            sched.step()
            lrs.append(optimizer.param_groups[0]["lr"])
            losses.append(loss.item())
        print(f"Epoch [{epoch}], last_lr: {lrs[-1]:.5f}, train_loss: {sum(losses) / len(losses):.4f}")


if __name__ == "__main__":
    main()
