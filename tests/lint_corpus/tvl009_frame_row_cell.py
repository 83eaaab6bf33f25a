# expect: TVL009
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Tab(Dataset):
    def __init__(self, frame):
        self.frame = frame.reset_index(drop=True)

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, idx):
        row = self.frame.iloc[idx]
        feats = torch.tensor(row[["a", "b", "c"]].values, dtype=torch.float32)
        target = torch.tensor(row["price"], dtype=torch.float32)
        return feats, target


df = pd.read_csv("houses.csv")
model = nn.Sequential(nn.Linear(3, 16), nn.ReLU(), nn.Linear(16, 1))
opt = torch.optim.Adam(model.parameters())
for feats, target in DataLoader(Tab(df), batch_size=32, shuffle=True):
    loss = nn.MSELoss()(model(feats), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
