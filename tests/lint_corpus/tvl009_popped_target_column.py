# expect: TVL009
# The target column is popped off the frame (a pandas Series, 1-D) and becomes the regression
# target for a network whose last layer is Linear(32, 1): MSE compares (N, 1) with (N,).
import pandas as pd
import torch
from torch import nn

frame = pd.read_parquet("energy.parquet")
load = frame.pop("load_mw")
inputs = torch.tensor(frame.to_numpy(), dtype=torch.float32)
target = torch.tensor(load.to_numpy(), dtype=torch.float32)
net = nn.Sequential(nn.Linear(inputs.shape[1], 32), nn.GELU(), nn.Linear(32, 1))
opt = torch.optim.LBFGS(net.parameters())


def closure():
    opt.zero_grad()
    loss = nn.functional.mse_loss(net(inputs), target)
    loss.backward()
    return loss


for _ in range(50):
    opt.step(closure)
