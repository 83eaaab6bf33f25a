# expect: clean
# style: course project sign-language image classifier with a shuffled validation loader and confusion matrix
# note: the validation DataLoader uses shuffle=True, but every metric (accuracy, confusion matrix, per-class recall) is computed from labels and predictions taken from the same batches, so order does not matter.
import os
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

N_CLASSES = 24
torch.manual_seed(0)

X = torch.randn(6000, 1, 28, 28)
Y = torch.randint(0, N_CLASSES, (6000,))
train_loader = DataLoader(TensorDataset(X[:5000], Y[:5000]), batch_size=64, shuffle=True)
val_loader = DataLoader(TensorDataset(X[5000:], Y[5000:]), batch_size=128, shuffle=True)


class SignCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 32, 3, padding=1)
        self.c2 = nn.Conv2d(32, 64, 3, padding=1)
        self.bn1, self.bn2 = nn.BatchNorm2d(32), nn.BatchNorm2d(64)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, N_CLASSES)
        self.drop = nn.Dropout(0.4)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.c1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.c2(x))), 2)
        return self.fc2(self.drop(F.relu(self.fc1(x.flatten(1)))))


def evaluate(model, loader):
    model.eval()
    conf = np.zeros((N_CLASSES, N_CLASSES), dtype=np.int64)
    with torch.no_grad():
        for xb, yb in loader:
            pred = model(xb).argmax(1)
            np.add.at(conf, (yb.numpy(), pred.numpy()), 1)
    acc = np.trace(conf) / conf.sum()
    recall = conf.diagonal() / conf.sum(1).clip(min=1)
    return acc, recall, conf


model = SignCNN()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(10):
    model.train()
    running = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        running += loss.item()
    acc, recall, conf = evaluate(model, val_loader)
    worst = recall.argsort()[:3]
    print(f"epoch {epoch}: loss {running / len(train_loader):.3f} val acc {acc:.3f} worst classes {worst.tolist()}")

np.savetxt("confusion.csv", conf, fmt="%d", delimiter=",")

letters = [chr(ord("A") + i) for i in range(26) if chr(ord("A") + i) not in "JZ"]
print("per-class recall:")
for i, r in enumerate(recall):
    print(f"  {letters[i]}: {r:.3f}")
torch.save(model.state_dict(), "sign_cnn.pt")
