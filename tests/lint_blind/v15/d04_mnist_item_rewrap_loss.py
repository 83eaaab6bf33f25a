# expect: TVL002
# style: beginner script, MNIST-like CNN with synthetic digits
# bug: the loss is converted with .item() and re-wrapped as torch.tensor(..., requires_grad=True), so backward() runs on a fresh leaf and the CNN never gets gradients
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
np.random.seed(0)

BATCH_SIZE = 64
EPOCHS = 5
LR = 0.01
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


def make_fake_mnist(n):
    # blobs at a class-dependent location so there is something to learn
    x = torch.rand(n, 1, 28, 28) * 0.2
    y = torch.randint(0, 10, (n,))
    for i in range(n):
        r = 2 + 2 * int(y[i])
        x[i, 0, r:r + 4, 6:22] += 0.8
    return x, y


x_train, y_train = make_fake_mnist(6000)
x_test, y_test = make_fake_mnist(1000)

train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=BATCH_SIZE, shuffle=True)
test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=256, shuffle=False)


class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = F.relu(self.conv2(x))
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = self.dropout2(x)
        return self.fc2(x)


model = Net().to(DEVICE)
optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
criterion = nn.CrossEntropyLoss()

train_losses = []
test_accs = []

for epoch in range(1, EPOCHS + 1):
    model.train()
    start = time.time()
    losses = []
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(DEVICE), target.to(DEVICE)
        optimizer.zero_grad()
        output = model(data)
        loss_value = criterion(output, target).item()
        losses.append(loss_value)
        # make sure loss is a float tensor on the right device
        loss = torch.tensor(loss_value, requires_grad=True, device=DEVICE)
        loss.backward()
        optimizer.step()
        if batch_idx % 20 == 0:
            print("Train Epoch: {} [{}/{}]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset), loss_value))
    train_losses.append(np.mean(losses))

    model.eval()
    correct = 0
    test_loss = 0.0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(DEVICE), target.to(DEVICE)
            output = model(data)
            test_loss += criterion(output, target).item() * data.size(0)
            pred = output.argmax(dim=1)
            correct += pred.eq(target).sum().item()
    test_loss /= len(test_loader.dataset)
    acc = 100.0 * correct / len(test_loader.dataset)
    test_accs.append(acc)
    print(f"Test set: Average loss: {test_loss:.4f}, Accuracy: {acc:.2f}%  ({time.time() - start:.1f}s)")

torch.save(model.state_dict(), "mnist_cnn.pt")
print("best acc", max(test_accs))
