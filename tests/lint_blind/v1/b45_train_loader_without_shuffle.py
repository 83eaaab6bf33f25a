# expect: TVL015
# style: pytorch/examples-style CIFAR script (train/test loaders built side by side)
# bug: the training DataLoader has no shuffle=True and no sampler; the dataset is stored sorted by class
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class LeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=0.01)
    args = parser.parse_args()

    labels = torch.arange(10).repeat_interleave(500)  # class-sorted, as exported by the preprocessing script
    train_set = TensorDataset(torch.randn(5000, 3, 32, 32), labels)
    test_set = TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,)))
    trainloader = DataLoader(train_set, batch_size=args.batch_size, num_workers=2)
    testloader = DataLoader(test_set, batch_size=args.batch_size, shuffle=False, num_workers=2)

    net = LeNet()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)
    for epoch in range(args.epochs):
        net.train()
        running_loss = 0.0
        for i, (inputs, targets) in enumerate(trainloader):
            optimizer.zero_grad()
            loss = criterion(net(inputs), targets)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
        net.eval()
        correct = 0
        with torch.no_grad():
            for inputs, targets in testloader:
                correct += (net(inputs).argmax(1) == targets).sum().item()
        print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f} test acc: {100 * correct / 1000:.2f}%")


if __name__ == "__main__":
    main()
