# zoo: healthy
"""Healthy: a two-layer LSTM reading noisy sine sequences and predicting their frequency, with
dropout between layers, Adam, gradient-norm clipping (the usual RNN habit), ReduceLROnPlateau on
the validation loss, and a DataLoader."""

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
n, length = 1280, 30
freq = 0.5 + 2.5 * torch.rand(n, 1, generator=g)
t = torch.arange(length).float() * 0.2
phase = 2 * torch.pi * torch.rand(n, 1, generator=g)
x = (torch.sin(freq * t + phase) + 0.1 * torch.randn(n, length, generator=g)).unsqueeze(-1)
y = (freq - 2.0) / 0.75
train_loader = DataLoader(TensorDataset(x[:1024], y[:1024]), batch_size=32, shuffle=True,
                          generator=torch.Generator().manual_seed(0))
val_loader = DataLoader(TensorDataset(x[1024:], y[1024:]), batch_size=256)


class Regressor(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(1, 48, num_layers=2, batch_first=True, dropout=0.1)
        self.head = nn.Linear(48, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


model = Regressor()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, factor=0.5, patience=1)
for epoch in range(4):
    model.train()
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = F.mse_loss(model(xb), yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
    model.eval()
    with torch.no_grad():
        val = sum(F.mse_loss(model(xb), yb).item() for xb, yb in val_loader)
    scheduler.step(val)
    print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val:.4f}")
