# expect: clean
# style: pytorch/examples mnist main.py (forward returns F.log_softmax, loss is F.nll_loss, StepLR per epoch)
# note: log-probabilities into nll_loss is correct; probabilities are only computed via .exp() for a confidence metric
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv2(F.relu(self.conv1(x)))), 2)
        x = F.relu(self.fc1(torch.flatten(self.dropout1(x), 1)))
        return F.log_softmax(self.fc2(x), dim=1)


def train(args, model, train_loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(train_loader):
        optimizer.zero_grad()
        loss = F.nll_loss(model(data), target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(train_loader.dataset)}]\tLoss: {loss.item():.6f}")


def test(model, test_loader):
    model.eval()
    test_loss, correct, conf = 0.0, 0, 0.0
    with torch.no_grad():
        for data, target in test_loader:
            log_probs = model(data)
            test_loss += F.nll_loss(log_probs, target, reduction="sum").item()
            correct += log_probs.argmax(dim=1).eq(target).sum().item()
            conf += log_probs.exp().max(dim=1).values.sum().item()
    n = len(test_loader.dataset)
    print(f"Test: loss {test_loss / n:.4f}, acc {correct}/{n}, mean confidence {conf / n:.3f}")


def main():
    parser = argparse.ArgumentParser(description="PyTorch MNIST Example")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--log-interval", type=int, default=10)
    args = parser.parse_args()
    train_loader = DataLoader(TensorDataset(torch.randn(1000, 1, 28, 28), torch.randint(0, 10, (1000,))),
                              batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.randn(300, 1, 28, 28), torch.randint(0, 10, (300,))), batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, train_loader, optimizer, epoch)
        test(model, test_loader)
        scheduler.step()


if __name__ == "__main__":
    main()
