# expect: clean
# The thresholded labels are cast to int64 class indices before they reach CrossEntropyLoss.
import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def loader_over(ds, shuffle):
    return DataLoader(ds, batch_size=128, shuffle=shuffle, drop_last=shuffle)


table = pd.read_csv("readings.csv")
readings = table.drop(columns=["score"]).to_numpy(dtype=np.float32)
alarm = (table["score"] > 0.8).values.astype(np.int64)
split = len(readings) * 3 // 4
fit_set = TensorDataset(torch.from_numpy(readings[:split]), torch.from_numpy(alarm[:split]))
hold_set = TensorDataset(torch.from_numpy(readings[split:]), torch.from_numpy(alarm[split:]))
fit_loader, hold_loader = loader_over(fit_set, True), loader_over(hold_set, False)
detector = nn.Sequential(nn.Linear(readings.shape[1], 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.Adam(detector.parameters(), lr=1e-3)
for epoch in range(12):
    for xb, yb in fit_loader:
        loss = nn.functional.cross_entropy(detector(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
