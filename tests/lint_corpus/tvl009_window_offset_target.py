# expect: TVL009
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class NextStep(Dataset):
    def __init__(self, signal, window, horizon=1):
        self.signal, self.window, self.horizon = signal, window, horizon

    def __len__(self):
        return len(self.signal) - self.window - self.horizon

    def __getitem__(self, start):
        stop = start + self.window
        past = self.signal[start:stop].unsqueeze(-1)
        future = self.signal[stop + self.horizon - 1]
        return past, future


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(1, 32, batch_first=True)
        self.out = nn.Linear(32, 1)

    def forward(self, seq):
        h, _ = self.rnn(seq)
        return self.out(h[:, -1])


steps = torch.arange(5000, dtype=torch.float32)
signal = torch.cos(2 * math.pi * steps / 50) + 0.1 * torch.randn_like(steps)
loader = DataLoader(NextStep(signal, 40), batch_size=32, shuffle=True)
net = Net()
opt = torch.optim.Adam(net.parameters())
mse = nn.MSELoss()
for past, future in loader:
    loss = mse(net(past), future)
    opt.zero_grad()
    loss.backward()
    opt.step()
