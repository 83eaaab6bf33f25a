# expect: TVL015
# style: beginner notebook, dogs-vs-cats style binary image classifier with ImageFolder-like ordered data
# bug: the training DataLoader is created without shuffle=True (or a sampler) over a dataset stored class-by-class, so each epoch walks all cats then all dogs
# In[1]:
import os
import time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import Dataset, DataLoader

# In[2]:
device = "cuda" if torch.cuda.is_available() else "cpu"
IMG = 96
BATCH_SIZE = 64
EPOCHS = 12

# In[3]:
class FolderLikeDataset(Dataset):
    """Mimics ImageFolder: samples are stored class by class (cats first, then dogs)."""

    def __init__(self, n_per_class, seed):
        g = torch.Generator().manual_seed(seed)
        self.samples = []
        for label in (0, 1):
            for _ in range(n_per_class):
                self.samples.append((torch.randint(0, 2**31 - 1, (1,), generator=g).item(), label))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, idx):
        seed, label = self.samples[idx]
        g = torch.Generator().manual_seed(seed)
        img = torch.rand(3, IMG, IMG, generator=g) + 0.15 * label
        return img, label


train_data = FolderLikeDataset(4000, seed=0)
test_data = FolderLikeDataset(500, seed=1)
train_loader = DataLoader(train_data, batch_size=BATCH_SIZE, num_workers=2)
test_loader = DataLoader(test_data, batch_size=BATCH_SIZE, num_workers=2)
print(len(train_data), len(test_data))

# In[4]:
class CatDogCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 12 * 12, 256)
        self.fc2 = nn.Linear(256, 2)
        self.dropout = nn.Dropout(0.5)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


model = CatDogCNN().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[5]:
train_acc_hist, test_acc_hist = [], []
for epoch in range(EPOCHS):
    t0 = time.time()
    model.train()
    correct, total, running_loss = 0, 0, 0.0
    for data, target in train_loader:
        data, target = data.to(device), target.to(device)
        optimizer.zero_grad()
        output = model(data)
        loss = criterion(output, target)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        correct += (output.argmax(1) == target).sum().item()
        total += target.size(0)
    train_acc = correct / total

    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for data, target in test_loader:
            output = model(data.to(device))
            correct += (output.argmax(1).cpu() == target).sum().item()
            total += target.size(0)
    test_acc = correct / total
    train_acc_hist.append(train_acc)
    test_acc_hist.append(test_acc)
    print(f"Epoch {epoch + 1}: loss {running_loss / len(train_loader):.4f} train_acc {train_acc:.3f} "
          f"test_acc {test_acc:.3f} ({time.time() - t0:.0f}s)")

# In[6]:
os.makedirs("saved", exist_ok=True)
torch.save(model.state_dict(), "saved/catdog_cnn.pth")
np.savetxt("saved/acc.txt", np.array([train_acc_hist, test_acc_hist]))

# In[7]:
# quick sanity check on a few test images
model.eval()
imgs, labels = next(iter(test_loader))
with torch.no_grad():
    preds = model(imgs.to(device)).argmax(1).cpu()
for p, l in zip(preds[:8], labels[:8]):
    print("pred", ["cat", "dog"][p], "true", ["cat", "dog"][l])
