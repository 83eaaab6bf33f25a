# expect: TVL009
import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Spectra(Dataset):
    def __init__(self, n, n_classes=7):
        gen = np.random.default_rng(3)
        self.x = gen.normal(size=(n, 256)).astype("float32")
        self.cls = gen.integers(0, n_classes, size=n)

    def __len__(self):
        return len(self.cls)

    def __getitem__(self, k):
        label = torch.tensor(self.cls[k], dtype=torch.float)
        return torch.from_numpy(self.x[k]), label


model = nn.Sequential(nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 7))
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.CrossEntropyLoss()
for spectrum, label in DataLoader(Spectra(900), batch_size=30, shuffle=True):
    loss = loss_fn(model(spectrum), label)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
