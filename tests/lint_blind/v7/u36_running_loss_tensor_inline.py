# expect: TVL012
# style: beginner notebook export, flower image classification with torchvision-like transforms
# bug: running_loss += loss adds the loss tensor (not loss.item()) every batch, so each iteration's autograd graph stays referenced for the whole epoch.
# In[ ]:
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")
print("Using", device)

# In[ ]:
class FlowerDataset(Dataset):
    def __init__(self, n, train=True):
        self.images = np.random.randint(0, 255, (n, 64, 64, 3), dtype=np.uint8)
        self.labels = np.random.randint(0, 5, n)
        self.train = train

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        img = torch.from_numpy(self.images[idx]).permute(2, 0, 1).float() / 255.0
        if self.train and np.random.rand() < 0.5:
            img = img.flip(-1)
        img = (img - 0.5) / 0.25
        return img, int(self.labels[idx])


train_data = FlowerDataset(2500)
val_data = FlowerDataset(500, train=False)
trainloader = DataLoader(train_data, batch_size=32, shuffle=True)
valloader = DataLoader(val_data, batch_size=64)

# In[ ]:
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(16, 32, 5)
        self.conv3 = nn.Conv2d(32, 64, 3)
        self.fc1 = nn.Linear(64 * 5 * 5, 256)
        self.fc2 = nn.Linear(256, 5)
        self.dropout = nn.Dropout(0.4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


net = Net().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)

# In[ ]:
train_losses, val_accs = [], []
for epoch in range(20):
    t0 = time.time()
    net.train()
    running_loss = 0.0
    for i, (inputs, labels) in enumerate(trainloader):
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = net(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss
    epoch_loss = running_loss / len(trainloader)
    train_losses.append(float(epoch_loss))

    net.eval()
    correct = total = 0
    with torch.no_grad():
        for inputs, labels in valloader:
            outputs = net(inputs.to(device))
            correct += (outputs.argmax(1).cpu() == labels).sum().item()
            total += labels.size(0)
    val_accs.append(correct / total)
    print(f"[{epoch + 1}] loss: {epoch_loss:.3f} val acc: {100 * correct / total:.1f}% ({time.time() - t0:.0f}s)")

print("Finished Training")
torch.save(net.state_dict(), "./flowers_net.pth")
