# expect: TVL008
# style: I3D-like inflated 3D CNN for video classification, Kinetics-style train script with logging
# bug: the classifier head ends in nn.Softmax(dim=1) and its output is passed to nn.CrossEntropyLoss, which applies log_softmax again
import argparse
import logging
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)


class Unit3D(nn.Module):
    def __init__(self, cin, cout, k=(3, 3, 3), stride=1):
        super().__init__()
        self.conv = nn.Conv3d(cin, cout, k, stride=stride, padding=tuple(x // 2 for x in k), bias=False)
        self.bn = nn.BatchNorm3d(cout, eps=1e-3, momentum=0.01)

    def forward(self, x):
        return torch.relu(self.bn(self.conv(x)))


class MiniI3D(nn.Module):
    def __init__(self, num_classes=400, dropout=0.5):
        super().__init__()
        self.stem = nn.Sequential(Unit3D(3, 64, (7, 7, 7), stride=2), nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        self.mixed = nn.Sequential(Unit3D(64, 128), Unit3D(128, 256), nn.MaxPool3d(2))
        self.logits = nn.Sequential(
            nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Dropout(dropout),
            nn.Linear(256, num_classes), nn.Softmax(dim=1),
        )

    def forward(self, x):
        return self.logits(self.mixed(self.stem(x)))


def train(args):
    frames = torch.randn(96, 3, 16, 112, 112)
    labels = torch.randint(0, args.num_classes, (96,))
    loader = DataLoader(TensorDataset(frames, labels), batch_size=args.batch_size, shuffle=True, num_workers=2)
    i3d = MiniI3D(args.num_classes)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(i3d.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-7)
    lr_sched = torch.optim.lr_scheduler.MultiStepLR(optimizer, [30, 60])
    for epoch in range(args.epochs):
        i3d.train()
        tot_loss, steps = 0.0, 0
        for inputs, target in loader:
            per_class = i3d(inputs)
            loss = criterion(per_class, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot_loss += loss.item()
            steps += 1
        lr_sched.step()
        logger.info("epoch %d: cls loss %.4f", epoch, tot_loss / steps)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--num_classes", type=int, default=400)
    ap.add_argument("--batch_size", type=int, default=6)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--epochs", type=int, default=80)
    train(ap.parse_args())
