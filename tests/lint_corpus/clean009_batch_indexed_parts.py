# expect: clean
# The value head output is flattened to (B,) before it meets the 1-D targets.
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
        loss = nn.functional.mse_loss(value_head(inputs).view(-1), batch[1])
        opt.zero_grad()
        loss.backward()
        opt.step()


for _ in range(5):
    train_epoch()
