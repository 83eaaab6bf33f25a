# expect: TVL009
# Each item reads its class from the frame row by attribute (row.species) and stores it as a
# float tensor; the batch of (B,) floats then reaches CrossEntropyLoss as if they were indices.
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

MEASURES = ["sepal_l", "sepal_w", "petal_l", "petal_w"]


class Flowers(Dataset):
    def __init__(self, frame):
        self.frame = frame

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, k):
        row = self.frame.iloc[k]
        feats = torch.tensor(row[MEASURES].to_numpy(dtype="float32"))
        return feats, torch.tensor(row.species, dtype=torch.float32)


frame = pd.read_csv("flowers.csv")
loader = DataLoader(Flowers(frame), batch_size=16, shuffle=True)
net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Linear(16, 3))
ce = nn.CrossEntropyLoss()
opt = torch.optim.SGD(net.parameters(), lr=0.05)
for epoch in range(30):
    for feats, species in loader:
        loss = ce(net(feats), species)
        opt.zero_grad()
        loss.backward()
        opt.step()
