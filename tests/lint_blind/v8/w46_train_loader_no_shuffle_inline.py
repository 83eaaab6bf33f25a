# expect: TVL015
# style: beginner Kaggle kernel, digit-recognizer CSV with labels sorted by class
# bug: the training DataLoader is built without shuffle=True (or a sampler) on a dataset whose rows are sorted by label, so each epoch sees the classes in blocks
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

# ---------------- load ----------------
# train.csv in this competition is grouped by label (all 0s, then all 1s, ...)
rng = np.random.default_rng(1)
labels = np.repeat(np.arange(10), 3200)
pixels = (rng.random((len(labels), 784)) * 255).astype(np.float32)
test_pixels = (rng.random((8000, 784)) * 255).astype(np.float32)

X = torch.tensor(pixels / 255.0).view(-1, 1, 28, 28)
y = torch.tensor(labels, dtype=torch.long)
X_test = torch.tensor(test_pixels / 255.0).view(-1, 1, 28, 28)

# hold out every 10th row for validation
val_mask = torch.arange(len(y)) % 10 == 0
train_ds = TensorDataset(X[~val_mask], y[~val_mask])
val_ds = TensorDataset(X[val_mask], y[val_mask])

BATCH = 64
train_loader = DataLoader(train_ds, batch_size=BATCH, num_workers=2, pin_memory=True)
val_loader = DataLoader(val_ds, batch_size=512)
test_loader = DataLoader(TensorDataset(X_test), batch_size=512, shuffle=False)


# ---------------- augmentation ----------------
def random_shift(batch, max_shift=2):
    dx, dy = torch.randint(-max_shift, max_shift + 1, (2,)).tolist()
    return torch.roll(batch, shifts=(dy, dx), dims=(2, 3))


def confusion_matrix(preds, targets, n=10):
    cm = torch.zeros(n, n, dtype=torch.long)
    for t, p in zip(targets.tolist(), preds.tolist()):
        cm[t, p] += 1
    return cm


# ---------------- model ----------------
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 5, padding=2)
        self.bn1 = nn.BatchNorm2d(32)
        self.conv2 = nn.Conv2d(32, 64, 5, padding=2)
        self.bn2 = nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 256)
        self.fc2 = nn.Linear(256, 10)
        self.drop = nn.Dropout(0.4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        x = self.drop(F.relu(self.fc1(x.flatten(1))))
        return self.fc2(x)


device = "cuda" if torch.cuda.is_available() else "cpu"
model = Net().to(device)
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-8)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", factor=0.5, patience=2)

# ---------------- train ----------------
for epoch in range(12):
    model.train()
    total_loss = 0.0
    for data, target in train_loader:
        data, target = random_shift(data).to(device), target.to(device)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(data), target)
        loss.backward()
        optimizer.step()
        total_loss += loss.item()

    model.eval()
    correct = 0
    val_preds, val_targets = [], []
    with torch.no_grad():
        for data, target in val_loader:
            pred = model(data.to(device)).argmax(dim=1).cpu()
            correct += pred.eq(target).sum().item()
            val_preds.append(pred)
            val_targets.append(target)
    val_acc = correct / len(val_ds)
    scheduler.step(val_acc)
    print(f"Epoch {epoch + 1:2d}  loss {total_loss / len(train_loader):.4f}  val_acc {val_acc:.4f}")

cm = confusion_matrix(torch.cat(val_preds), torch.cat(val_targets))
print("most confused pairs:")
off = cm.clone()
off.fill_diagonal_(0)
for k in off.flatten().topk(3).indices.tolist():
    print(f"  true {k // 10} -> pred {k % 10}: {off.flatten()[k].item()}")
torch.save(model.state_dict(), "digit_cnn.pth")

# ---------------- submission ----------------
model.eval()
preds = []
with torch.no_grad():
    for (data,) in test_loader:
        preds.append(model(data.to(device)).argmax(1).cpu())
preds = torch.cat(preds).numpy()
with open("submission.csv", "w") as f:
    f.write("ImageId,Label\n")
    for i, p in enumerate(preds, start=1):
        f.write(f"{i},{p}\n")
print("wrote", len(preds), "predictions")
