# expect: TVL004
# style: segmentation UNet repo (milesial-style train.py with an evaluate() helper)
# bug: model.train() is called once before the epoch loop; evaluate() switches to eval() each epoch and nothing switches back, so epochs 2+ train in eval mode (BatchNorm/Dropout frozen)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def double_conv(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class UNetSmall(nn.Module):
    def __init__(self, n_classes=2):
        super().__init__()
        self.inc, self.down = double_conv(3, 32), double_conv(32, 64)
        self.up = nn.ConvTranspose2d(64, 32, 2, stride=2)
        self.dec = double_conv(64, 32)
        self.outc = nn.Conv2d(32, n_classes, 1)

    def forward(self, x):
        x1 = self.inc(x)
        x2 = self.down(F.max_pool2d(x1, 2))
        return self.outc(self.dec(torch.cat([self.up(x2), x1], 1)))


def dice_score(logits, mask, eps=1e-6):
    pred = logits.argmax(1)
    inter = ((pred == 1) & (mask == 1)).sum().float()
    return (2 * inter + eps) / ((pred == 1).sum() + (mask == 1).sum() + eps)


def evaluate(net, loader):
    net.eval()
    scores = []
    with torch.no_grad():
        for img, mask in loader:
            scores.append(dice_score(net(img), mask).item())
    return sum(scores) / max(len(scores), 1)


def train_net(net, args):
    ds = TensorDataset(torch.randn(120, 3, 64, 64), torch.randint(0, 2, (120, 64, 64)))
    train_set, val_set = torch.utils.data.random_split(ds, [100, 20])
    train_loader = DataLoader(train_set, batch_size=args.batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=args.batch_size, shuffle=False)
    optimizer = torch.optim.RMSprop(net.parameters(), lr=args.lr, weight_decay=1e-8, momentum=0.9)
    net.train()
    for epoch in range(1, args.epochs + 1):
        epoch_loss = 0.0
        for images, true_masks in train_loader:
            loss = F.cross_entropy(net(images), true_masks)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            epoch_loss += loss.item()
        val_dice = evaluate(net, val_loader)
        print(f"epoch {epoch} loss {epoch_loss / len(train_loader):.4f} val dice {val_dice:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--lr", type=float, default=1e-5)
    train_net(UNetSmall(), ap.parse_args())
