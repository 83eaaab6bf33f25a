# expect: clean
# The helper stores the class column as int64 class numbers, as CrossEntropyLoss wants.
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

COLS = ["tempo", "energy", "valence", "loudness"]


def encode(frame):
    feats = torch.as_tensor(frame[COLS].to_numpy(), dtype=torch.float32)
    target = torch.as_tensor(frame["genre"].to_numpy(), dtype=torch.long)
    return feats, target


table = pd.read_csv("tracks.csv")
feats, target = encode(table)
batches = DataLoader(TensorDataset(feats, target), batch_size=64, shuffle=True)
clf = nn.Sequential(nn.Linear(len(COLS), 32), nn.ReLU(), nn.Linear(32, 8))
criterion = nn.CrossEntropyLoss()
adam = torch.optim.Adam(clf.parameters(), lr=1e-3)
for epoch in range(5):
    for xb, yb in batches:
        adam.zero_grad()
        loss = criterion(clf(xb), yb)
        loss.backward()
        adam.step()
