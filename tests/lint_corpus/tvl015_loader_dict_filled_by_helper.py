# expect: TVL015
"""Loaders kept in a dict that a helper fills entry by entry while looping over the datasets it
is given; only the batch size differs between splits. The training loop reads the "train" entry,
which was built without shuffle or a sampler."""
import torch
from torch import nn
from torch.utils.data import DataLoader


class Frames(torch.utils.data.Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return torch.randn(3, 32, 32), i % 7


def loaders_for(datasets, bs):
    out = dict()
    for split in datasets:
        out[split] = DataLoader(datasets[split], batch_size=bs if split == "train" else 2 * bs, drop_last=split == "train")
    return out


dl = loaders_for({"train": Frames(4000), "val": Frames(500)}, 64)
cnn = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 7))
sgd = torch.optim.SGD(cnn.parameters(), lr=0.05, momentum=0.9)
for _ in range(5):
    for frames, labels in dl["train"]:
        sgd.zero_grad()
        loss = nn.functional.cross_entropy(cnn(frames), labels)
        loss.backward()
        sgd.step()
