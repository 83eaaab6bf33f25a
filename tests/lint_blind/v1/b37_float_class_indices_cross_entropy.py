# expect: TVL009
# style: Kaggle notebook (CSV with an integer label column read as float64, torch.FloatTensor everywhere)
# bug: class indices are cast to float (torch.FloatTensor) and passed as the target of nn.CrossEntropyLoss
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

NUM_CLASSES = 7


class ForestCoverDataset(Dataset):
    def __init__(self, frame):
        self.features = torch.FloatTensor(frame.drop(columns=["Cover_Type"]).values)
        self.labels = torch.FloatTensor(frame["Cover_Type"].values - 1)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]


class CoverNet(nn.Module):
    def __init__(self, n_in):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(n_in, 256), nn.BatchNorm1d(256), nn.ReLU(),
                                nn.Linear(256, 128), nn.BatchNorm1d(128), nn.ReLU(),
                                nn.Linear(128, NUM_CLASSES))

    def forward(self, x):
        return self.fc(x)


frame = pd.DataFrame(np.random.rand(6000, 54), columns=[f"c{i}" for i in range(54)])
frame["Cover_Type"] = np.random.randint(1, NUM_CLASSES + 1, size=6000).astype("float64")
train_loader = DataLoader(ForestCoverDataset(frame.iloc[:5000]), batch_size=256, shuffle=True)
val_loader = DataLoader(ForestCoverDataset(frame.iloc[5000:]), batch_size=1024)

model = CoverNet(54)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)

for epoch in range(10):
    model.train()
    total = 0.0
    for xb, yb in train_loader:
        optimizer.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in val_loader:
            correct += (model(xb).argmax(1) == yb.long()).sum().item()
    print(f"epoch {epoch}: loss {total / 5000:.4f}, val acc {correct / 1000:.4f}")
