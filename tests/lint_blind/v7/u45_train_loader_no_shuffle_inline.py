# expect: TVL015
# style: course-project script, handwritten-digit classification with early stopping
# bug: the training DataLoader is built without shuffle=True (or a sampler), and the synthetic training set is stored sorted by class, so every epoch sees the classes in blocks.
import copy
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
device = "cuda" if torch.cuda.is_available() else "cpu"

# data is exported per class by the preprocessing script -> sorted by label
X_train = torch.cat([torch.randn(600, 1, 28, 28) + c * 0.1 for c in range(10)])
y_train = torch.arange(10).repeat_interleave(600)
X_val = torch.randn(1000, 1, 28, 28)
y_val = torch.randint(0, 10, (1000,))

train_loader = DataLoader(TensorDataset(X_train, y_train), batch_size=100, num_workers=2, pin_memory=True)
val_loader = DataLoader(TensorDataset(X_val, y_val), batch_size=500)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = x.flatten(1)
        return self.fc3(F.relu(self.fc2(F.relu(self.fc1(x)))))


model = LeNet5().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
criterion = nn.CrossEntropyLoss()

best_loss, best_state, patience, bad_epochs = np.inf, None, 3, 0
for epoch in range(30):
    start = time.time()
    model.train()
    train_loss = 0.0
    for xb, yb in train_loader:
        xb, yb = xb.to(device), yb.to(device)
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        train_loss += loss.item() * xb.size(0)
    train_loss /= len(train_loader.dataset)

    model.eval()
    val_loss, correct = 0.0, 0
    with torch.no_grad():
        for xb, yb in val_loader:
            xb, yb = xb.to(device), yb.to(device)
            out = model(xb)
            val_loss += criterion(out, yb).item() * xb.size(0)
            correct += (out.argmax(1) == yb).sum().item()
    val_loss /= len(val_loader.dataset)
    print(f"Epoch {epoch + 1}: train {train_loss:.4f} val {val_loss:.4f} acc {correct / len(X_val):.3f} "
          f"[{time.time() - start:.1f}s]")

    if val_loss < best_loss:
        best_loss, best_state, bad_epochs = val_loss, copy.deepcopy(model.state_dict()), 0
    else:
        bad_epochs += 1
        if bad_epochs >= patience:
            print("early stopping")
            break

model.load_state_dict(best_state)
torch.save(model.state_dict(), "lenet5_best.pt")


# per-class accuracy of the restored best model
model.eval()
per_class_correct = torch.zeros(10)
per_class_total = torch.zeros(10)
with torch.no_grad():
    for xb, yb in val_loader:
        pred = model(xb.to(device)).argmax(1).cpu()
        for c in range(10):
            m = yb == c
            per_class_correct[c] += (pred[m] == c).sum()
            per_class_total[c] += m.sum()
for c in range(10):
    print(f"digit {c}: {100 * per_class_correct[c] / per_class_total[c].clamp(min=1):.1f}%")
