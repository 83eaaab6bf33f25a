# expect: TVL015
# Split settings live in nested namespaces; the loader factory falls back to an unshuffled default.
from types import SimpleNamespace

import torch
from torch.utils.data import DataLoader, TensorDataset

SETTINGS = SimpleNamespace(
    splits=SimpleNamespace(
        train=SimpleNamespace(size=512, bs=32),
        test=SimpleNamespace(size=128, bs=64, shuffle=False),
    ),
    lr=1e-3,
)


def loader_for(split):
    data = TensorDataset(torch.randn(split.size, 10), torch.randint(0, 2, (split.size,)))
    return DataLoader(data, batch_size=split.bs, shuffle=getattr(split, "shuffle", False))


def run(settings=SETTINGS):
    train_loader, test_loader = loader_for(settings.splits.train), loader_for(settings.splits.test)
    net = torch.nn.Linear(10, 2)
    opt = torch.optim.SGD(net.parameters(), lr=settings.lr)
    for x, y in train_loader:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return test_loader
