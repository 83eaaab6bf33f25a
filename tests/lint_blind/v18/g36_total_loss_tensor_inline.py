# expect: TVL012
# style: beginner PyTorch tutorial-style script, fashion-product image classifier
# bug: `running_loss += loss` accumulates the loss tensor (not loss.item()) over the whole epoch, keeping every batch's autograd graph alive until the epoch ends.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

classes = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print(device)

# random tensors standing in for FashionMNIST
train_x = torch.rand(12000, 1, 28, 28)
train_y = torch.randint(0, 10, (12000,))
train_x += train_y.view(-1, 1, 1, 1).float() / 20
test_x = torch.rand(2000, 1, 28, 28)
test_y = torch.randint(0, 10, (2000,))
test_x += test_y.view(-1, 1, 1, 1).float() / 20

trainloader = DataLoader(TensorDataset(train_x, train_y), batch_size=64, shuffle=True, num_workers=2)
testloader = DataLoader(TensorDataset(test_x, test_y), batch_size=64, shuffle=False, num_workers=2)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 4 * 4, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

for epoch in range(10):
    start = time.time()
    net.train()
    running_loss = 0.0
    for i, (inputs, labels) in enumerate(trainloader, 0):
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss
    print(f"[{epoch + 1}] loss: {running_loss / len(trainloader):.3f}  ({time.time() - start:.1f}s)")

print("Finished Training")
torch.save(net.state_dict(), "./fashion_net.pth")

correct_pred = {c: 0 for c in classes}
total_pred = {c: 0 for c in classes}
net.eval()
with torch.no_grad():
    for images, labels in testloader:
        outputs = net(images.to(device))
        _, predictions = torch.max(outputs, 1)
        for label, prediction in zip(labels, predictions.cpu()):
            if label == prediction:
                correct_pred[classes[label]] += 1
            total_pred[classes[label]] += 1

for c, n_correct in correct_pred.items():
    acc = 100 * float(n_correct) / max(total_pred[c], 1)
    print(f"Accuracy for class: {c:10s} is {acc:.1f} %")
