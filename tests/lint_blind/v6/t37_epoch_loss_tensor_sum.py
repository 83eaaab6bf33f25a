# expect: TVL012
# style: beginner notebook export, flower image classification with a small CNN
# bug: epoch_loss += loss adds the loss tensor (not loss.item()) on every batch, keeping each batch's autograd graph alive for the whole epoch.
# In[1]:
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
CLASSES = ["daisy", "dandelion", "rose", "sunflower", "tulip"]

# In[2]:
train_imgs = torch.rand(2500, 3, 64, 64)
train_lbls = torch.randint(0, 5, (2500,))
val_imgs = torch.rand(500, 3, 64, 64)
val_lbls = torch.randint(0, 5, (500,))
train_loader = DataLoader(TensorDataset(train_imgs, train_lbls), batch_size=32, shuffle=True)
val_loader = DataLoader(TensorDataset(val_imgs, val_lbls), batch_size=100)


# In[3]:
class FlowerNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.fc1 = nn.Linear(64 * 8 * 8, 256)
        self.fc2 = nn.Linear(256, len(CLASSES))
        self.dropout = nn.Dropout(0.4)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = self.pool(F.relu(self.conv3(x)))
        x = torch.flatten(x, 1)
        x = self.dropout(F.relu(self.fc1(x)))
        return self.fc2(x)


model = FlowerNet().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

# In[4]:
for epoch in range(12):
    model.train()
    epoch_loss = 0
    for images, labels in train_loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()
        outputs = model(images)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        epoch_loss += loss

    model.eval()
    correct = 0
    with torch.no_grad():
        for images, labels in val_loader:
            preds = model(images.to(device)).argmax(1)
            correct += (preds.cpu() == labels).sum().item()
    print(f"Epoch {epoch + 1}: train loss {epoch_loss / len(train_loader):.4f}, val acc {correct / len(val_imgs):.3f}")
