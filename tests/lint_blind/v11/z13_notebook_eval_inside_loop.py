# expect: TVL004
# style: beginner notebook export, fashion-MNIST-like MLP with inline per-epoch test accuracy
# bug: model.eval() is called for the test accuracy inside the epoch loop and model.train() is only called once before the loop
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

# ---- data ----
train_x = torch.rand(6000, 1, 28, 28)
train_y = torch.randint(0, 10, (6000,))
test_x = torch.rand(1000, 1, 28, 28)
test_y = torch.randint(0, 10, (1000,))
trainloader = DataLoader(TensorDataset(train_x, train_y), batch_size=64, shuffle=True)
testloader = DataLoader(TensorDataset(test_x, test_y), batch_size=64, shuffle=False)

# ---- model ----
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.drop = nn.Dropout(p=0.2)

    def forward(self, x):
        x = x.view(x.shape[0], -1)
        x = self.drop(torch.relu(self.fc1(x)))
        x = self.drop(torch.relu(self.fc2(x)))
        return self.fc3(x)


model = Net()
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.003)

epochs = 12
train_losses, test_losses, accs = [], [], []
model.train()
for e in range(epochs):
    running_loss = 0
    for images, labels in trainloader:
        optimizer.zero_grad()
        log_ps = model(images)
        loss = criterion(log_ps, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()

    test_loss = 0
    accuracy = 0
    model.eval()
    with torch.no_grad():
        for images, labels in testloader:
            out = model(images)
            test_loss += criterion(out, labels).item()
            accuracy += (out.argmax(1) == labels).float().mean().item()

    train_losses.append(running_loss / len(trainloader))
    test_losses.append(test_loss / len(testloader))
    accs.append(accuracy / len(testloader))
    print("Epoch: {}/{}.. ".format(e + 1, epochs),
          "Training Loss: {:.3f}.. ".format(train_losses[-1]),
          "Test Loss: {:.3f}.. ".format(test_losses[-1]),
          "Test Accuracy: {:.3f}".format(accs[-1]))

plt.plot(train_losses, label="Training loss")
plt.plot(test_losses, label="Validation loss")
plt.legend(frameon=False)
plt.savefig("losses.png")
