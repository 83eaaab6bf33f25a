# expect: clean
# style: pytorch/examples-like MNIST script rewritten for a tabular/sensor HAR dataset (log_softmax head + F.nll_loss)
# note: forward returns log_softmax, nll_loss gets log-probs and int64 targets; test() uses reduction='sum' with .item()
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class HARNet(nn.Module):
    def __init__(self, channels=9, n_cls=6):
        super().__init__()
        self.conv1 = nn.Conv1d(channels, 32, 5)
        self.conv2 = nn.Conv1d(32, 64, 5)
        self.dropout = nn.Dropout(0.25)
        self.fc = nn.Linear(64, n_cls)

    def forward(self, x):
        x = F.max_pool1d(F.relu(self.conv1(x)), 2)
        x = F.relu(self.conv2(x)).mean(-1)
        return F.log_softmax(self.fc(self.dropout(x)), dim=1)


def train(args, model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}]\tLoss: {loss.item():.6f}")


def test(model, loader):
    model.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1).eq(target).sum().item()
    n = len(loader.dataset)
    print(f"Test set: Average loss: {test_loss / n:.4f}, Accuracy: {correct}/{n}")


def main():
    parser = argparse.ArgumentParser(description="HAR example")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--log-interval", type=int, default=10)
    args = parser.parse_args()
    tr = TensorDataset(torch.randn(1000, 9, 128), torch.randint(0, 6, (1000,)))
    te = TensorDataset(torch.randn(200, 9, 128), torch.randint(0, 6, (200,)))
    train_loader = DataLoader(tr, batch_size=64, shuffle=True)
    test_loader = DataLoader(te, batch_size=256)
    model = HARNet()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.7)
    for epoch in range(1, args.epochs + 1):
        train(args, model, train_loader, optimizer, epoch)
        test(model, test_loader)
        scheduler.step()


if __name__ == "__main__":
    main()
