# expect: TVL012
# style: beginner notebook, fashion-item image classifier with a small CNN
# bug: `train_loss += loss` accumulates the loss tensor (not loss.item()) over the whole epoch, keeping every iteration's autograd graph alive
# In[1]:
import time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# In[2]:
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
classes = ("T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Boot")
x_train = torch.rand(60000, 1, 28, 28)
y_train = torch.randint(0, 10, (60000,))
x_test = torch.rand(10000, 1, 28, 28)
y_test = torch.randint(0, 10, (10000,))
mean, std = x_train.mean(), x_train.std()
x_train = (x_train - mean) / std
x_test = (x_test - mean) / std

trainloader = DataLoader(TensorDataset(x_train, y_train), batch_size=100, shuffle=True)
testloader = DataLoader(TensorDataset(x_test, y_test), batch_size=100, shuffle=False)

# In[3]:
def show_batch(loader, n=8):
    images, labels = next(iter(loader))
    print("batch shape:", tuple(images.shape), "labels:", [classes[i] for i in labels[:n].tolist()])
    print("pixel range: %.3f .. %.3f" % (images.min().item(), images.max().item()))


show_batch(trainloader)


class EarlyStopping:
    def __init__(self, patience=4, min_delta=1e-4):
        self.patience = patience
        self.min_delta = min_delta
        self.best = None
        self.bad_epochs = 0

    def step(self, value):
        if self.best is None or value < self.best - self.min_delta:
            self.best = value
            self.bad_epochs = 0
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(32)
        self.bn2 = nn.BatchNorm2d(64)
        self.dropout = nn.Dropout(0.25)
        self.fc1 = nn.Linear(64 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.dropout(x.view(x.size(0), -1))
        x = F.relu(self.fc1(x))
        return self.fc2(x)


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
stopper = EarlyStopping(patience=4)
print("trainable parameters:", sum(p.numel() for p in net.parameters() if p.requires_grad))

# In[4]:
EPOCHS = 20
train_losses, test_losses, test_accs = [], [], []
for epoch in range(EPOCHS):
    start = time.time()
    net.train()
    train_loss = 0
    for images, labels in trainloader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = net(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        train_loss += loss

    net.eval()
    test_loss, correct = 0.0, 0
    with torch.no_grad():
        for images, labels in testloader:
            images, labels = images.to(device), labels.to(device)
            outputs = net(images)
            test_loss += criterion(outputs, labels).item()
            correct += (outputs.argmax(1) == labels).sum().item()

    train_losses.append(float(train_loss) / len(trainloader))
    test_losses.append(test_loss / len(testloader))
    test_accs.append(correct / len(testloader.dataset))
    print(f"Epoch {epoch + 1}/{EPOCHS} | train loss {train_losses[-1]:.4f} | test loss {test_losses[-1]:.4f} "
          f"| test acc {test_accs[-1]:.4f} | {time.time() - start:.1f}s")
    if test_accs[-1] >= max(test_accs):
        torch.save(net.state_dict(), "fashion_cnn_best.pth")
    if stopper.step(test_losses[-1]):
        print(f"early stopping after epoch {epoch + 1}")
        break

# In[5]:
class_correct = [0] * 10
class_total = [0] * 10
net.eval()
with torch.no_grad():
    for images, labels in testloader:
        outputs = net(images.to(device))
        predicted = outputs.argmax(1).cpu()
        c = (predicted == labels).squeeze()
        for i in range(labels.size(0)):
            class_correct[labels[i]] += c[i].item()
            class_total[labels[i]] += 1
for i in range(10):
    print(f"Accuracy of {classes[i]:>10s}: {100 * class_correct[i] / class_total[i]:.1f}%")

# In[6]:
torch.save(net.state_dict(), "fashion_cnn.pth")
np.save("curves.npy", np.array([train_losses, test_losses, test_accs]))
