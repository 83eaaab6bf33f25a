# expect: TVL013
# style: Kaggle-style digit recognizer with a small MLP, inline training, submission-free
# bug: the training loop calls model.forward(images) directly instead of model(images), bypassing module hooks
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(2024)

# ----- data (stand-in for train.csv) -----
n_train = 20000
pixels = np.random.randint(0, 256, size=(n_train, 784)).astype(np.float32)
labels = np.random.randint(0, 10, size=n_train)
df = pd.DataFrame(pixels, columns=[f"pixel{i}" for i in range(784)])
df.insert(0, "label", labels)

X = torch.tensor(df.drop(columns="label").values / 255.0, dtype=torch.float32)
y = torch.tensor(df["label"].values, dtype=torch.long)
perm = torch.randperm(len(X))
tr_idx, va_idx = perm[:18000], perm[18000:]
train_loader = DataLoader(TensorDataset(X[tr_idx], y[tr_idx]), batch_size=100, shuffle=True)
valid_loader = DataLoader(TensorDataset(X[va_idx], y[va_idx]), batch_size=500)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 512)
        self.bn1 = nn.BatchNorm1d(512)
        self.fc2 = nn.Linear(512, 256)
        self.bn2 = nn.BatchNorm1d(256)
        self.fc3 = nn.Linear(256, 10)
        self.drop = nn.Dropout(0.3)

    def forward(self, x):
        x = self.drop(F.relu(self.bn1(self.fc1(x))))
        x = self.drop(F.relu(self.bn2(self.fc2(x))))
        return self.fc3(x)


model = MLP()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()

# keep an eye on activation statistics while training
act_stats = {}


def save_stats(name):
    def hook(mod, inp, out):
        act_stats[name] = (out.mean().item(), out.std().item())
    return hook


model.fc1.register_forward_hook(save_stats("fc1"))
model.fc2.register_forward_hook(save_stats("fc2"))

EPOCHS = 10
for epoch in range(EPOCHS):
    model.train()
    total_loss, correct = 0.0, 0
    for images, targets in train_loader:
        optimizer.zero_grad()
        logits = model.forward(images)
        loss = loss_fn(logits, targets)
        loss.backward()
        optimizer.step()
        total_loss += loss.item() * images.size(0)
        correct += (logits.argmax(1) == targets).sum().item()

    model.eval()
    val_correct = 0
    with torch.no_grad():
        for images, targets in valid_loader:
            val_correct += (model(images).argmax(1) == targets).sum().item()
    print(f"Epoch {epoch + 1}/{EPOCHS}  loss={total_loss / len(tr_idx):.4f}  "
          f"train_acc={correct / len(tr_idx):.4f}  val_acc={val_correct / len(va_idx):.4f}  fc1={act_stats.get('fc1')}")

torch.save(model.state_dict(), "digit_mlp.pt")
