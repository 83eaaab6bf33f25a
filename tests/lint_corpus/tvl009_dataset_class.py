# expect: TVL009
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Rides(Dataset):
    def __init__(self, frame, label="duration_min"):
        self.feats = torch.tensor(frame.drop(columns=[label]).to_numpy(), dtype=torch.float32)
        self.label = torch.tensor(frame[label].to_numpy(), dtype=torch.float32).sqrt()

    def __len__(self):
        return len(self.label)

    def __getitem__(self, k):
        return self.feats[k], self.label[k]


frame = pd.read_parquet("rides.parquet")
loader = DataLoader(Rides(frame), batch_size=128, shuffle=True)
reg = nn.Sequential(nn.Linear(frame.shape[1] - 1, 32), nn.SiLU(), nn.Linear(32, 1))
opt = torch.optim.Adam(reg.parameters(), lr=3e-4)
for epoch in range(5):
    for feats, label in loader:
        opt.zero_grad()
        err = nn.functional.huber_loss(reg(feats), label)
        err.backward()
        opt.step()
