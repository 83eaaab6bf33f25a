# expect: TVL012
# style: beginner script, flower image classification with a small CNN and epoch summaries
# bug: `running_loss += loss` adds the loss tensor (with its graph) every iteration, keeping all batches' graphs alive until the end of the epoch
import os
import time

import torch
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader, TensorDataset

BATCH_SIZE = 32
EPOCHS = 20
LR = 0.001
NUM_CLASSES = 5
SAVE_DIR = "checkpoints"
os.makedirs(SAVE_DIR, exist_ok=True)

device = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")

# ---- data (replace with ImageFolder later) ----
X = torch.rand(3000, 3, 64, 64)
Y = torch.randint(0, NUM_CLASSES, (3000,))
train_set = TensorDataset(X[:2500], Y[:2500])
val_set = TensorDataset(X[2500:], Y[2500:])
train_loader = DataLoader(train_set, batch_size=BATCH_SIZE, shuffle=True)
val_loader = DataLoader(val_set, batch_size=BATCH_SIZE, shuffle=False)


class FlowerCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.conv3 = nn.Conv2d(32, 64, 3, padding=1)
        self.pool = nn.MaxPool2d(2, 2)
        self.fc1 = nn.Linear(64 * 8 * 8, 256)
        self.fc2 = nn.Linear(256, NUM_CLASSES)
        self.dropout = nn.Dropout(0.25)
        self.relu = nn.ReLU()

    def forward(self, x):
        x = self.pool(self.relu(self.conv1(x)))
        x = self.pool(self.relu(self.conv2(x)))
        x = self.pool(self.relu(self.conv3(x)))
        x = x.view(x.size(0), -1)
        x = self.dropout(self.relu(self.fc1(x)))
        return self.fc2(x)


model = FlowerCNN().to(device)
criterion = nn.CrossEntropyLoss()
optimizer = optim.Adam(model.parameters(), lr=LR)
scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=7, gamma=0.1)

train_hist, val_hist = [], []
best_acc = 0.0
for epoch in range(EPOCHS):
    since = time.time()
    model.train()
    running_loss = 0.0
    running_corrects = 0
    for inputs, labels in train_loader:
        inputs = inputs.to(device)
        labels = labels.to(device)
        optimizer.zero_grad()
        outputs = model(inputs)
        _, preds = torch.max(outputs, 1)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running_loss += loss * inputs.size(0)
        running_corrects += torch.sum(preds == labels.data).item()
    scheduler.step()
    epoch_loss = running_loss / len(train_set)
    epoch_acc = running_corrects / len(train_set)
    train_hist.append(float(epoch_loss))

    model.eval()
    val_loss, val_corrects = 0.0, 0
    with torch.no_grad():
        for inputs, labels in val_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            outputs = model(inputs)
            val_loss += criterion(outputs, labels).item() * inputs.size(0)
            val_corrects += (outputs.argmax(1) == labels).sum().item()
    val_acc = val_corrects / len(val_set)
    val_hist.append(val_loss / len(val_set))

    print("Epoch {}/{}  train Loss: {:.4f} Acc: {:.4f}  val Loss: {:.4f} Acc: {:.4f}  ({:.0f}s)".format(
        epoch + 1, EPOCHS, epoch_loss, epoch_acc, val_loss / len(val_set), val_acc, time.time() - since))
    if val_acc > best_acc:
        best_acc = val_acc
        torch.save(model.state_dict(), os.path.join(SAVE_DIR, "flower_best.pth"))

print("Best val Acc: {:4f}".format(best_acc))
