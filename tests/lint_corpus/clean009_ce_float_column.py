# expect: clean
import pandas as pd
import torch
import torch.nn.functional as F

frame = pd.read_csv("penguins.csv").dropna()
X = torch.tensor(frame[["bill_length_mm", "bill_depth_mm", "flipper_length_mm"]].values, dtype=torch.float32)
species = torch.tensor(frame["species_id"].values, dtype=torch.long)

W = torch.zeros(3, 3, requires_grad=True)
b = torch.zeros(3, requires_grad=True)
opt = torch.optim.LBFGS([W, b], max_iter=50)


def closure():
    opt.zero_grad()
    loss = F.cross_entropy(X @ W + b, species)
    loss.backward()
    return loss


for _ in range(10):
    opt.step(closure)
