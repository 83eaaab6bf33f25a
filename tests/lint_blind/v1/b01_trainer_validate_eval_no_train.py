# expect: TVL004
# style: timm train.py (train_one_epoch / validate split, wrapped in a Trainer class)
# bug: validate() switches to eval(); train_one_epoch() never calls model.train(), so epochs 2+ train in eval mode
import argparse
import logging
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

_logger = logging.getLogger("train")

class SmallConvNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(64, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


class Trainer:
    def __init__(self, model, optimizer, loss_fn, train_loader, eval_loader):
        self.model = model
        self.optimizer = optimizer
        self.loss_fn = loss_fn
        self.train_loader = train_loader
        self.eval_loader = eval_loader

    def train_one_epoch(self, epoch):
        losses = 0.0
        for batch_idx, (inputs, target) in enumerate(self.train_loader):
            output = self.model(inputs)
            loss = self.loss_fn(output, target)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses += loss.item()
        _logger.info("Train: %d  loss %.4f", epoch, losses / len(self.train_loader))

    @torch.no_grad()
    def validate(self):
        self.model.eval()
        correct, total = 0, 0
        for inputs, target in self.eval_loader:
            pred = self.model(inputs).argmax(dim=1)
            correct += (pred == target).sum().item()
            total += target.numel()
        return 100.0 * correct / total

    def fit(self, epochs):
        for epoch in range(epochs):
            self.train_one_epoch(epoch)
            top1 = self.validate()
            _logger.info("Eval: %d  top1 %.2f", epoch, top1)


def main():
    parser = argparse.ArgumentParser(description="PyTorch ImageNet-ish training")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--lr", type=float, default=0.05)
    parser.add_argument("-b", "--batch-size", type=int, default=64)
    args = parser.parse_args()

    train_ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    eval_ds = TensorDataset(torch.randn(128, 3, 32, 32), torch.randint(0, 10, (128,)))
    model = SmallConvNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    trainer = Trainer(model, optimizer, nn.CrossEntropyLoss(),
                      DataLoader(train_ds, batch_size=args.batch_size, shuffle=True),
                      DataLoader(eval_ds, batch_size=args.batch_size))
    trainer.fit(args.epochs)

if __name__ == "__main__":
    main()
