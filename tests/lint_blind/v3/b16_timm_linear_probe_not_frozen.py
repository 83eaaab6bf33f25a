# expect: TVL006
# style: timm-style fine-tuning script (create_model-like factory, reset_classifier, AverageMeter logging)
# bug: the optimizer is built over model.head only ("linear probe"), but the backbone is never frozen, so it still gets gradients (and BN stats) that no optimizer applies
import argparse
import logging
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")


class ConvNet(nn.Module):
    def __init__(self, num_classes=1000, width=64):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(inplace=True))
        self.stages = nn.Sequential(
            nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(inplace=True),
            nn.Conv2d(width * 2, width * 4, 3, 2, 1), nn.BatchNorm2d(width * 4), nn.ReLU(inplace=True),
        )
        self.num_features = width * 4
        self.head = nn.Linear(self.num_features, num_classes)

    def reset_classifier(self, num_classes):
        self.head = nn.Linear(self.num_features, num_classes)

    def forward(self, x):
        x = self.stages(self.stem(x))
        return self.head(x.mean((2, 3)))


class AverageMeter:
    def __init__(self):
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, log_interval):
    model.train()
    losses_m = AverageMeter()
    end = time.time()
    for batch_idx, (inp, target) in enumerate(loader):
        output = model(inp)
        loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses_m.update(loss.item(), inp.size(0))
        if batch_idx % log_interval == 0:
            _logger.info(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {losses_m.val:.4f} ({losses_m.avg:.4f}) "
                         f"Time: {time.time() - end:.3f}s")
        end = time.time()


def main():
    parser = argparse.ArgumentParser(description="linear probe")
    parser.add_argument("--num-classes", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--log-interval", type=int, default=20)
    args = parser.parse_args()
    model = ConvNet()
    model.reset_classifier(args.num_classes)
    optimizer = torch.optim.SGD(model.head.parameters(), lr=args.lr, momentum=0.9)
    loader = DataLoader(TensorDataset(torch.randn(1024, 3, 64, 64), torch.randint(0, args.num_classes, (1024,))),
                        batch_size=64, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader, optimizer, nn.CrossEntropyLoss(), args.log_interval)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    main()
