# expect: clean
# style: classic PyTorch-examples-style script with train()/test() functions, handwritten character recognition (EMNIST-like)
# note: the model ends in F.log_softmax and the loss is F.nll_loss, the correct pairing; F.softmax / .exp() appear only for the confidence report, never in the loss.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Net(nn.Module):
    def __init__(self, n_classes=47):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, n_classes)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(torch.flatten(x, 1))
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


def train(args, model, loader, optimizer, epoch):
    model.train()
    for batch_idx, (data, target) in enumerate(loader):
        optimizer.zero_grad()
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        if batch_idx % args.log_interval == 0:
            print(f"Train Epoch: {epoch} [{batch_idx * len(data)}/{len(loader.dataset)}] Loss: {loss.item():.6f}")


def test(model, loader):
    model.eval()
    test_loss, correct, conf_sum = 0.0, 0, 0.0
    with torch.no_grad():
        for data, target in loader:
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            probs = output.exp()
            conf, pred = probs.max(dim=1)
            correct += pred.eq(target).sum().item()
            conf_sum += conf.sum().item()
    n = len(loader.dataset)
    print(f"Test: avg loss {test_loss / n:.4f}, acc {correct / n:.4f}, mean confidence {conf_sum / n:.3f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--gamma", type=float, default=0.7)
    parser.add_argument("--log-interval", type=int, default=20)
    args = parser.parse_args()

    x, y = torch.rand(5000, 1, 28, 28), torch.randint(0, 47, (5000,))
    train_loader = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=1000)
    model = Net()
    optimizer = torch.optim.Adadelta(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    for epoch in range(1, args.epochs + 1):
        train(args, model, train_loader, optimizer, epoch)
        test(model, test_loader)
        scheduler.step()
    sample = x[:1]
    model.eval()
    with torch.no_grad():
        print("top-3 probs", F.softmax(model(sample), dim=1).topk(3))


if __name__ == "__main__":
    main()
