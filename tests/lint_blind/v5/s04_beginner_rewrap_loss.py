# expect: TVL002
# style: beginner Kaggle notebook exported as one script (globals, copied cells), tabular regression
# bug: the loss is re-wrapped with torch.tensor(loss.item(), requires_grad=True), so backward never reaches the model
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import Dataset, DataLoader

# ---- cell 1: config
SEED = 42
EPOCHS = 20
BATCH_SIZE = 128
LR = 3e-4
N_FEATURES = 24
torch.manual_seed(SEED)
np.random.seed(SEED)

# ---- cell 2: data
X = np.random.randn(5000, N_FEATURES).astype("float32")
y = (X[:, :3].sum(1) + 0.1 * np.random.randn(5000)).astype("float32")
split = 4000


class HouseData(Dataset):
    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return torch.from_numpy(self.X[i]), torch.tensor([self.y[i]])


train_loader = DataLoader(HouseData(X[:split], y[:split]), batch_size=BATCH_SIZE, shuffle=True)
valid_loader = DataLoader(HouseData(X[split:], y[split:]), batch_size=BATCH_SIZE)

# ---- cell 3: model
model = nn.Sequential(
    nn.Linear(N_FEATURES, 256), nn.ReLU(), nn.Dropout(0.2),
    nn.Linear(256, 64), nn.ReLU(),
    nn.Linear(64, 1),
)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=LR)

# ---- cell 4: train
history = {"train": [], "valid": []}
for epoch in range(EPOCHS):
    model.train()
    train_losses = []
    for xb, yb in train_loader:
        optimizer.zero_grad()
        preds = model(xb)
        loss = torch.tensor(criterion(preds, yb).item(), requires_grad=True)
        loss.backward()
        optimizer.step()
        train_losses.append(loss.item())

    # ---- cell 5: validation
    model.eval()
    val_losses = []
    with torch.no_grad():
        for xb, yb in valid_loader:
            val_losses.append(criterion(model(xb), yb).item())
    history["train"].append(np.mean(train_losses))
    history["valid"].append(np.mean(val_losses))
    print(f"epoch {epoch + 1} train {history['train'][-1]:.4f} valid {history['valid'][-1]:.4f}")

# ---- cell 6: save
torch.save(model.state_dict(), "model.pth")
