# expect: TVL009
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Lagged(Dataset):
    def __init__(self, table, lag):
        self.table = table.astype(np.float32)
        self.lag = lag

    def __len__(self):
        return len(self.table) - self.lag

    def __getitem__(self, t):
        history = torch.from_numpy(self.table[t:t + self.lag])
        nxt = torch.tensor(self.table[t + self.lag, 0])
        return history, nxt


class Head(nn.Module):
    def __init__(self, n_cols, hidden=32):
        super().__init__()
        self.gru = nn.GRU(n_cols, hidden, batch_first=True)
        self.fc = nn.Linear(hidden, 1)

    def forward(self, seq):
        out, _ = self.gru(seq)
        return self.fc(out[:, -1])


table = np.cumsum(np.random.randn(3000, 5), axis=0)
model = Head(5)
opt = torch.optim.Adam(model.parameters())
huber = nn.HuberLoss()
for history, nxt in DataLoader(Lagged(table, 24), batch_size=64, shuffle=True):
    loss = huber(model(history), nxt)
    opt.zero_grad()
    loss.backward()
    opt.step()
