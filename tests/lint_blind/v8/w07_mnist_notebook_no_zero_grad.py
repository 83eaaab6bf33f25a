# expect: TVL003
# style: beginner notebook export, MNIST-like MLP with matplotlib-free logging
# bug: the training loop calls loss.backward() and optimizer.step() every batch but never zeroes the gradients, so they accumulate across all batches
#!/usr/bin/env python
# coding: utf-8

# ## Handwritten digits with a simple MLP
# Load data, build the network, train, look at the results.

# In[1]:
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset, random_split

device = "cuda" if torch.cuda.is_available() else "cpu"
print("using", device)

# In[2]:
# fake MNIST so the notebook runs anywhere
images = torch.rand(12000, 1, 28, 28)
labels = torch.randint(0, 10, (12000,))
full = TensorDataset(images, labels)
train_set, test_set = random_split(full, [10000, 2000], generator=torch.Generator().manual_seed(42))

trainloader = DataLoader(train_set, batch_size=100, shuffle=True)
testloader = DataLoader(test_set, batch_size=1000)

# In[3]:
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(28 * 28, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.drop = nn.Dropout(0.2)

    def forward(self, x):
        x = x.view(-1, 28 * 28)
        x = self.drop(F.relu(self.fc1(x)))
        x = self.drop(F.relu(self.fc2(x)))
        return self.fc3(x)


net = Net().to(device)
print(net)

# In[4]:
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

# In[5]:
train_losses, test_losses, test_accs = [], [], []

# In[6]:
for epoch in range(10):
    net.train()
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, targets = data[0].to(device), data[1].to(device)

        # forward + backward + optimize
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()

        running_loss += loss.item()
        if i % 20 == 19:
            print('[%d, %5d] loss: %.3f' % (epoch + 1, i + 1, running_loss / 20))
            train_losses.append(running_loss / 20)
            running_loss = 0.0

    # In[7]:
    net.eval()
    correct, total, tl = 0, 0, 0.0
    with torch.no_grad():
        for inputs, targets in testloader:
            inputs, targets = inputs.to(device), targets.to(device)
            outputs = net(inputs)
            tl += criterion(outputs, targets).item()
            _, predicted = torch.max(outputs, 1)
            total += targets.size(0)
            correct += (predicted == targets).sum().item()
    test_losses.append(tl / len(testloader))
    test_accs.append(100 * correct / total)
    print('Epoch %d: test loss %.3f, accuracy %.2f %%' % (epoch + 1, test_losses[-1], test_accs[-1]))

print('Finished Training')

# In[8]:
PATH = './mnist_net.pth'
torch.save(net.state_dict(), PATH)

# In[9]:
# per-class accuracy
class_correct = [0] * 10
class_total = [0] * 10
net.eval()
with torch.no_grad():
    for inputs, targets in testloader:
        inputs, targets = inputs.to(device), targets.to(device)
        predicted = net(inputs).argmax(1)
        for t, p in zip(targets.tolist(), predicted.tolist()):
            class_total[t] += 1
            class_correct[t] += int(t == p)
for c in range(10):
    print('Accuracy of %d : %2d %%' % (c, 100 * class_correct[c] / max(class_total[c], 1)))
