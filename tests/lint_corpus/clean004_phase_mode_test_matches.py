# expect: clean
# Each epoch runs a train and a val phase; the mode is set from a test of the phase name
# that matches the training phase.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

model = nn.Sequential(nn.Linear(10, 32), nn.Dropout(0.3), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loaders = {
    "train": DataLoader(TensorDataset(torch.randn(512, 10), torch.randint(0, 2, (512,))), batch_size=32, shuffle=True),
    "val": DataLoader(TensorDataset(torch.randn(128, 10), torch.randint(0, 2, (128,))), batch_size=64),
}
for epoch in range(10):
    for phase in ("train", "val"):
        model.train(phase == "train")
        for x, y in loaders[phase]:
            with torch.set_grad_enabled(phase == "train"):
                loss = nn.functional.cross_entropy(model(x), y)
            if phase == "train":
                opt.zero_grad()
                loss.backward()
                opt.step()
