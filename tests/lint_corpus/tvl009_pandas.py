# expect: TVL009
import pandas as pd
import torch
import torch.nn as nn

data = pd.read_csv("housing.csv").dropna()
X = torch.tensor(data.iloc[:, :-1].values, dtype=torch.float32)
y = torch.tensor(data.iloc[:, -1].values, dtype=torch.float32)
model = nn.Linear(X.shape[1], 1)
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for epoch in range(500):
    opt.zero_grad()
    loss = torch.nn.functional.mse_loss(model(X), y)
    loss.backward()
    opt.step()
