# expect: TVL012
# style: beginner notebook (flower classification with a small CNN), inline loop with a per-epoch loss plot
# bug: running_loss += loss accumulates the loss tensor itself (not loss.item()) over every batch of the epoch, keeping every iteration's graph alive
#!/usr/bin/env python
# coding: utf-8

# ## Flower classifier from scratch

# In[1]:

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset, random_split

torch.manual_seed(0)
device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

# In[2]:

images = torch.rand(3670, 3, 96, 96)
labels = torch.randint(0, 5, (3670,))
full = TensorDataset(images, labels)
train_set, val_set = random_split(full, [3000, 670])
trainloader = DataLoader(train_set, batch_size=32, shuffle=True, num_workers=2)
valloader = DataLoader(val_set, batch_size=64, shuffle=False, num_workers=2)
classes = ("daisy", "dandelion", "roses", "sunflowers", "tulips")

# In[3]:


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 5))

    def forward(self, x):
        return self.classifier(self.features(x))


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

# In[4]:

epoch_losses, val_accs = [], []
for epoch in range(15):
    net.train()
    running_loss = 0.0
    for i, data in enumerate(trainloader, 0):
        inputs, targets = data[0].to(device), data[1].to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, targets)
        loss.backward()
        optimizer.step()
        running_loss += loss
    epoch_losses.append(float(running_loss) / len(trainloader))

    net.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, targets in valloader:
            outputs = net(inputs.to(device))
            _, predicted = torch.max(outputs, 1)
            total += targets.size(0)
            correct += (predicted.cpu() == targets).sum().item()
    val_accs.append(100 * correct / total)
    print(f"[{epoch + 1}] loss: {epoch_losses[-1]:.3f}  val acc: {val_accs[-1]:.1f}%")

print("Finished Training")

# In[5]:

plt.plot(epoch_losses, label="train loss")
plt.legend()
plt.savefig("loss.png")
PATH = "./flower_net.pth"
torch.save(net.state_dict(), PATH)
