# expect: TVL009
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class LSTMRegressor(nn.Module):
    def __init__(self, n_features, hidden_size=64, output_size=1):
        super().__init__()
        self.lstm = nn.LSTM(n_features, hidden_size, batch_first=True)
        self.linear = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.linear(out[:, -1, :])


X = torch.randn(1000, 24, 3)
y = torch.randn(1000)
loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
model = LSTMRegressor(3)
opt = torch.optim.Adam(model.parameters())
loss_fn = nn.MSELoss()
for xb, yb in loader:
    loss = loss_fn(model(xb), yb)
    opt.zero_grad()
    loss.backward()
    opt.step()
