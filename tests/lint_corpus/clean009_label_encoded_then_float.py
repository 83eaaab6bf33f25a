# expect: clean
# The encoded crop numbers stay int64, the class indices CrossEntropyLoss expects.
import pandas as pd
import torch
from sklearn.preprocessing import LabelEncoder
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

fields = pd.read_csv("fields.csv")
crop_codes = LabelEncoder()
crop = crop_codes.fit_transform(fields["crop"])
bands = torch.tensor(fields.filter(like="band_").to_numpy(), dtype=torch.float32)
train_set = TensorDataset(bands, torch.as_tensor(crop, dtype=torch.long))
net = nn.Sequential(nn.Linear(bands.shape[1], 48), nn.ReLU(), nn.Linear(48, len(crop_codes.classes_)))
opt = torch.optim.Adam(net.parameters(), lr=5e-4)
ce = nn.CrossEntropyLoss()
for epoch in range(15):
    for xb, yb in DataLoader(train_set, batch_size=64, shuffle=True):
        loss = ce(net(xb), yb)
        opt.zero_grad()
        loss.backward()
        opt.step()
