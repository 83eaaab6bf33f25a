# expect: TVL003
# style: beginner notebook export (Colab), MNIST-like CNN, inline loop
# bug: the training loop calls loss.backward() and optimizer.step() every batch but never clears the gradients
#!/usr/bin/env python
# coding: utf-8

# In[1]:

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

# In[2]:

device = "cuda" if torch.cuda.is_available() else "cpu"
print("Using", device)

# fake MNIST so the notebook runs offline
X_train = torch.rand(6000, 1, 28, 28)
y_train = torch.randint(0, 10, (6000,))
X_test = torch.rand(1000, 1, 28, 28)
y_test = torch.randint(0, 10, (1000,))

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=64, shuffle=True)
test_loader = DataLoader(TensorDataset(X_test, y_test), batch_size=1000)

# In[3]:


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
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.dropout2(F.relu(self.fc1(x)))
        return F.log_softmax(self.fc2(x), dim=1)


model = Net().to(device)
optimizer = optim.Adadelta(model.parameters(), lr=1.0)

# In[4]:

train_losses = []
test_accs = []
n_epochs = 5

for epoch in range(1, n_epochs + 1):
    model.train()
    epoch_loss = 0
    for batch_idx, (data, target) in enumerate(train_loader):
        data, target = data.to(device), target.to(device)
        output = model(data)
        loss = F.nll_loss(output, target)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()
        if batch_idx % 20 == 0:
            print("Train Epoch: {} [{}/{}]\tLoss: {:.6f}".format(
                epoch, batch_idx * len(data), len(train_loader.dataset), loss.item()))
    train_losses.append(epoch_loss / len(train_loader))

    model.eval()
    correct = 0
    test_loss = 0
    with torch.no_grad():
        for data, target in test_loader:
            data, target = data.to(device), target.to(device)
            output = model(data)
            test_loss += F.nll_loss(output, target, reduction="sum").item()
            correct += output.argmax(dim=1).eq(target).sum().item()
    test_accs.append(correct / len(test_loader.dataset))
    print(f"Test: avg loss {test_loss / len(test_loader.dataset):.4f}, acc {test_accs[-1]:.3f}")

# In[5]:

fig, ax = plt.subplots(1, 2, figsize=(10, 4))
ax[0].plot(train_losses)
ax[0].set_title("train loss")
ax[1].plot(test_accs)
ax[1].set_title("test acc")
plt.savefig("curves.png")

# In[6]:

torch.save(model.state_dict(), "mnist_cnn.pt")
