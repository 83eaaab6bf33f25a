# expect: clean
# The training loss is backpropagated as computed (its float taken only for printing); the same
# name `pred` also holds a forward pass under no_grad in the validation part of the epoch.
import torch
import torch.nn as nn

regressor = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
mse = nn.MSELoss()
adam = torch.optim.Adam(regressor.parameters(), lr=1e-3)

for epoch in range(20):
    for xb, yb in train_batches:
        adam.zero_grad()
        pred = regressor(xb)
        loss = mse(pred, yb)
        value = loss.item()
        loss.backward()
        adam.step()
    with torch.no_grad():
        for xb, yb in val_batches:
            pred = regressor(xb)
            print(mse(pred, yb).item())
