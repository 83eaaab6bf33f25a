# expect: clean
# style: Kaggle notebook (save best fold weights to a fixed local filename, reload them for OOF prediction)
# note: torch.load reads a file this same script wrote to a hard-coded name (not a CLI/env path); val loader unshuffled for OOF
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

BEST_PATH = "best_model_fold0.pth"
EPOCHS = 8


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(24, 96), nn.BatchNorm1d(96), nn.ReLU(), nn.Dropout(0.25), nn.Linear(96, 3))

    def forward(self, x):
        return self.mlp(x)


x, y = torch.randn(3000, 24), torch.randint(0, 3, (3000,))
train_loader = DataLoader(TensorDataset(x[:2500], y[:2500]), batch_size=64, shuffle=True)
valid_loader = DataLoader(TensorDataset(x[2500:], y[2500:]), batch_size=256, shuffle=False)

model = Net()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
best_loss = np.inf


def predict(model, loader):
    model.eval()
    out = []
    with torch.no_grad():
        for xb, _ in loader:
            out.append(torch.softmax(model(xb), dim=1))
    return torch.cat(out)


for epoch in range(EPOCHS):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
    probs = predict(model, valid_loader)
    val_loss = nn.functional.nll_loss(torch.log(probs + 1e-9), y[2500:]).item()
    print(f"epoch {epoch}: val logloss {val_loss:.4f}")
    if val_loss < best_loss:
        best_loss = val_loss
        torch.save(model.state_dict(), BEST_PATH)

model.load_state_dict(torch.load(BEST_PATH, map_location="cpu"))
oof = predict(model, valid_loader).numpy()
print("best logloss", best_loss, "oof acc", (oof.argmax(1) == y[2500:].numpy()).mean())
