# expect: TVL015
"""The loader builder takes an `is_training` flag but negates it when it sets `shuffle`, so the
training loader (built with `is_training=True`) gets `shuffle=False` and the training loop sees
the samples in stored order every epoch."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def build(ds, is_training, bs=64):
    return DataLoader(ds, batch_size=bs, shuffle=not is_training, num_workers=0)


def main():
    train_data = TensorDataset(torch.randn(1024, 16), torch.randint(0, 5, (1024,)))
    net = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 5))
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    train_loader = build(train_data, is_training=True)
    for _ in range(10):
        for x, y in train_loader:
            opt.zero_grad()
            nn.functional.cross_entropy(net(x), y).backward()
            opt.step()


main()
