# expect: clean
# style: PyTorch "training a classifier" tutorial extended with a tqdm bar and per-epoch averages
# note: running_loss += loss.item() and epoch sums use .item(), so no graph is retained across iterations
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=2)
    args = ap.parse_args()
    trainloader = DataLoader(TensorDataset(torch.randn(5000, 3, 32, 32), torch.randint(0, 10, (5000,))), batch_size=4, shuffle=True, num_workers=2)
    net = Net()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    for epoch in range(args.epochs):
        running_loss = 0.0
        epoch_loss, epoch_correct = 0.0, 0
        pbar = tqdm(enumerate(trainloader, 0), total=len(trainloader))
        for i, (inputs, labels) in pbar:
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()
            running_loss += loss.item()
            epoch_loss += loss.item() * inputs.size(0)
            epoch_correct += (outputs.argmax(1) == labels).sum().item()
            if i % 200 == 199:
                pbar.set_postfix(loss=f"{running_loss / 200:.3f}")
                running_loss = 0.0
        n = len(trainloader.dataset)
        print(f"[{epoch + 1}] loss {epoch_loss / n:.4f} acc {epoch_correct / n:.4f}")
    print("Finished Training")
