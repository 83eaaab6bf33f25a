# expect: clean
# style: beginner stock-price style LSTM one-step forecaster, notebook-like script
# note: the model returns (B, 1) from nn.Linear(hidden, 1) and the dataset yields a scalar target, which usually broadcasts — here the target is unsqueezed to (B, 1) in the loop before MSELoss, so the shapes match
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

np.random.seed(0)
torch.manual_seed(0)

# ---------- synthetic "close price" series ----------
steps = 3000
returns = np.random.normal(0.0003, 0.01, steps)
price = 100 * np.exp(np.cumsum(returns))
price = price + 2 * np.sin(np.arange(steps) / 20)
train_end = int(steps * 0.85)
p_min, p_max = price[:train_end].min(), price[:train_end].max()
scaled = (price - p_min) / (p_max - p_min)

WINDOW = 30


class WindowDS(Dataset):
    def __init__(self, series):
        self.s = torch.tensor(series, dtype=torch.float32)

    def __len__(self):
        return len(self.s) - WINDOW

    def __getitem__(self, i):
        return self.s[i : i + WINDOW].unsqueeze(-1), self.s[i + WINDOW]


train_loader = DataLoader(WindowDS(scaled[:train_end]), batch_size=64, shuffle=True)
test_loader = DataLoader(WindowDS(scaled[train_end - WINDOW :]), batch_size=256, shuffle=False)


class LSTMModel(nn.Module):
    def __init__(self, hidden=50, layers=2):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, layers, batch_first=True, dropout=0.2)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


model = LSTMModel()
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.001)

num_epochs = 40
for epoch in range(num_epochs):
    model.train()
    epoch_loss = 0.0
    for seqs, target in train_loader:
        target = target.unsqueeze(1)
        output = model(seqs)
        loss = criterion(output, target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        epoch_loss += loss.item() * seqs.size(0)
    if (epoch + 1) % 5 == 0:
        print(f"Epoch [{epoch + 1}/{num_epochs}], Loss: {epoch_loss / len(train_loader.dataset):.6f}")

# ---------- evaluate ----------
model.eval()
preds, actual = [], []
with torch.no_grad():
    for seqs, target in test_loader:
        preds.append(model(seqs).squeeze(1))
        actual.append(target)
preds = torch.cat(preds).numpy() * (p_max - p_min) + p_min
actual = torch.cat(actual).numpy() * (p_max - p_min) + p_min
rmse = np.sqrt(np.mean((preds - actual) ** 2))
naive = np.sqrt(np.mean((actual[1:] - actual[:-1]) ** 2))
print(f"Test RMSE: {rmse:.3f}  (naive last-value RMSE: {naive:.3f})")
torch.save(model.state_dict(), "lstm_price.pth")
