# expect: TVL003
# style: beginner notebook export, MNIST-like MLP with a per-batch print
# bug: optimizer.zero_grad() sits between loss.backward() and optimizer.step(), so every step is taken with cleared gradients
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

# In[1]:
torch.manual_seed(1)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print("using", device)

# In[2]:
X = torch.rand(12000, 1, 28, 28)
Y = (X.mean(dim=(1, 2, 3)) * 20).long().clamp(0, 9)
train_set = TensorDataset(X[:10000], Y[:10000])
test_set = TensorDataset(X[10000:], Y[10000:])
train_loader = DataLoader(train_set, batch_size=100, shuffle=True)
test_loader = DataLoader(test_set, batch_size=500, shuffle=False)

# In[3]:
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.25)

    def forward(self, x):
        x = x.view(-1, 784)
        x = self.dropout(self.relu(self.fc1(x)))
        x = self.dropout(self.relu(self.fc2(x)))
        return self.fc3(x)


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)

# In[4]:
train_loss_history = []
test_acc_history = []
n_epochs = 10

for epoch in range(n_epochs):
    net.train()
    running_loss = 0.0
    for i, (images, labels) in enumerate(train_loader):
        images = images.to(device)
        labels = labels.to(device)

        outputs = net(images)
        loss = criterion(outputs, labels)

        loss.backward()
        optimizer.zero_grad()
        optimizer.step()

        running_loss += loss.item()
        if (i + 1) % 20 == 0:
            print("[%d, %5d] loss: %.3f" % (epoch + 1, i + 1, running_loss / 20))
            train_loss_history.append(running_loss / 20)
            running_loss = 0.0

    # In[5]:
    net.eval()
    correct = 0
    total = 0
    with torch.no_grad():
        for images, labels in test_loader:
            images, labels = images.to(device), labels.to(device)
            outputs = net(images)
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    acc = 100 * correct / total
    test_acc_history.append(acc)
    print("Accuracy of the network on the test images: %d %%" % acc)

# In[6]:
fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(train_loss_history)
ax[0].set_title("train loss")
ax[1].plot(test_acc_history)
ax[1].set_title("test acc")
plt.savefig("curves.png")
torch.save(net.state_dict(), "mnist_mlp.pth")
