# expect: clean
# style: beginner binary classifier (diabetes-style tabular data), model ends in nn.Sigmoid
# note: the network applies a sigmoid before the loss, which is the double-sigmoid pattern when paired with BCEWithLogitsLoss — here the criterion is plain nn.BCELoss, which expects probabilities, so sigmoid + BCELoss is consistent
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

np.random.seed(7)
torch.manual_seed(7)

# ---------------- data
n = 4000
pregnancies = np.random.poisson(3, n)
glucose = np.random.normal(120, 30, n)
bp = np.random.normal(70, 12, n)
bmi = np.random.normal(32, 7, n)
age = np.random.randint(21, 80, n)
z = -8.5 + 0.035 * glucose + 0.08 * bmi + 0.03 * age + 0.1 * pregnancies
outcome = (np.random.rand(n) < 1 / (1 + np.exp(-z))).astype(np.float32)
X = np.stack([pregnancies, glucose, bp, bmi, age], 1).astype(np.float32)
X = (X - X.mean(0)) / X.std(0)

idx = np.random.permutation(n)
tr, te = idx[:3200], idx[3200:]
train_loader = DataLoader(TensorDataset(torch.tensor(X[tr]), torch.tensor(outcome[tr]).unsqueeze(1)),
                          batch_size=32, shuffle=True)
test_loader = DataLoader(TensorDataset(torch.tensor(X[te]), torch.tensor(outcome[te]).unsqueeze(1)),
                         batch_size=256)


# ---------------- model
class DiabetesNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(5, 32)
        self.fc2 = nn.Linear(32, 16)
        self.fc3 = nn.Linear(16, 1)
        self.relu = nn.ReLU()
        self.sigmoid = nn.Sigmoid()
        self.dropout = nn.Dropout(0.2)

    def forward(self, x):
        x = self.dropout(self.relu(self.fc1(x)))
        x = self.relu(self.fc2(x))
        return self.sigmoid(self.fc3(x))


model = DiabetesNet()
criterion = nn.BCELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

# ---------------- train
for epoch in range(60):
    model.train()
    epoch_loss = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        probs = model(xb)
        loss = criterion(probs, yb)
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item()

    if (epoch + 1) % 10 == 0:
        model.eval()
        correct, total = 0, 0
        tp = fp = fn = 0
        with torch.no_grad():
            for xb, yb in test_loader:
                pred = (model(xb) > 0.5).float()
                correct += (pred == yb).sum().item()
                total += yb.numel()
                tp += ((pred == 1) & (yb == 1)).sum().item()
                fp += ((pred == 1) & (yb == 0)).sum().item()
                fn += ((pred == 0) & (yb == 1)).sum().item()
        prec = tp / max(tp + fp, 1)
        rec = tp / max(tp + fn, 1)
        print(f"epoch {epoch + 1}: loss {epoch_loss / len(train_loader):.4f} acc {correct / total:.3f} "
              f"precision {prec:.3f} recall {rec:.3f}")

torch.save(model.state_dict(), "diabetes_net.pth")
