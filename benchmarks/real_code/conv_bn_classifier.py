# real: source=https://pytorch.org/tutorials/beginner/blitz/cifar10_tutorial.html (Net + training loop; BatchNorm2d after each default Conv2d as in many derived tutorials)
# real: args=
# real: bug=softmax-before-cross-entropy expect=probabilities-as-logits
# real: bug=eval-left-on expect=training-in-eval-mode
"""The 60-minute-blitz CIFAR-10 classifier (conv/pool/conv, three Linear, CrossEntropyLoss, SGD with
momentum 0.9, zero_grad/forward/backward/step, accuracy under no_grad) in the common variant with
BatchNorm2d after each Conv2d that keeps its default bias=True, lr 0.01, eval() validation per
epoch. Changed: synthetic 16x16 colour images of 4 classes instead of CIFAR-10."""

import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=5)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--bug", default="", choices=["", "softmax-before-cross-entropy",
                                                  "eval-left-on"])
args = parser.parse_args()
torch.manual_seed(0)


def make_images(n, seed):
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 4, (n,), generator=g)
    images = torch.randn(n, 3, 16, 16, generator=g)
    for c in range(4):  # each class brightens one quadrant in its own colour channel mix
        r, q = divmod(c, 2)
        idx = labels == c
        images[idx, c % 3, 8 * r:8 * r + 8, 8 * q:8 * q + 8] += 0.3
    return TensorDataset(images, labels)


trainloader = DataLoader(make_images(512, 1), batch_size=32, shuffle=True)
testloader = DataLoader(make_images(256, 2), batch_size=128, shuffle=False)


class Net(nn.Module):
    def __init__(self, softmax_output=False):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5, padding=2)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 4)
        self.softmax = nn.Softmax(dim=1) if softmax_output else None

    def forward(self, x):
        x = self.pool(F.relu(self.bn1(self.conv1(x))))
        x = self.pool(F.relu(self.bn2(self.conv2(x))))
        x = torch.flatten(x, 1)  # flatten all dimensions except batch
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        x = self.fc3(x)
        if self.softmax is not None:  # "the network outputs class probabilities"
            x = self.softmax(x)
        return x


net = Net(softmax_output=args.bug == "softmax-before-cross-entropy")
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=args.lr, momentum=0.9)

for epoch in range(args.epochs):  # loop over the dataset multiple times
    if args.bug != "eval-left-on":
        net.train()
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        # get the inputs; data is a list of [inputs, labels]
        inputs, labels = data

        # zero the parameter gradients
        optimizer.zero_grad()

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()

        # print statistics
        running_loss += loss.item()
        if i % 8 == 7:
            print(f"[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 8:.3f}")
            running_loss = 0.0

    net.eval()
    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images, labels = data
            # calculate outputs by running images through the network
            outputs = net(images)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    print(f"Accuracy of the network on the {total} test images: {100 * correct // total} %")

print("Finished Training")
