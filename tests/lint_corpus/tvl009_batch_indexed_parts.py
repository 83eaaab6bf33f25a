# expect: TVL009
# The loop takes each batch whole and reads its parts by position (batch[0], batch[1]); the
# TensorDataset's targets are 1-D while the value head ends in Linear(32, 1).
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

obs = torch.randn(3000, 10)
value_targets = torch.randn(3000)
data = DataLoader(TensorDataset(obs, value_targets), batch_size=100, shuffle=True)
value_head = nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 1))
opt = torch.optim.Adam(value_head.parameters(), lr=1e-3)


def train_epoch():
    for step, batch in enumerate(data):
        inputs = batch[0]
        loss = nn.functional.mse_loss(value_head(inputs), batch[1])
        opt.zero_grad()
        loss.backward()
        opt.step()


for _ in range(5):
    train_epoch()
