"""What the DDP tutorial series' two scripts share (its datautils.py, and their identical
load_train_objs / prepare_dataloader): ddp_tutorial.py (torchrun) and ddp_tutorial_spawn.py
(torch.multiprocessing.spawn). Changed from the tutorial as both scripts' docstrings say: a
seeded dataset with a learnable target, a 20-64-1 MLP, and a `bug` that replaces the sampler."""

import torch
from torch.utils.data import DataLoader, Dataset
from torch.utils.data.distributed import DistributedSampler


class MyTrainDataset(Dataset):
    def __init__(self, size):
        g = torch.Generator().manual_seed(0)
        x = torch.rand(size, 20, generator=g)
        y = (x[:, :5].sum(1, keepdim=True) - x[:, 5:10].sum(1, keepdim=True)) / 2 + 0.05 * torch.rand(size, 1, generator=g)
        self.data = list(zip(x, y, strict=True))

    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        return self.data[index]


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))


def load_train_objs():
    train_set = MyTrainDataset(2048)
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=5e-2)
    return train_set, model, optimizer


def prepare_dataloader(dataset, batch_size, bug):
    if bug == "no-sampler":
        return DataLoader(dataset, batch_size=batch_size, shuffle=True)
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, sampler=DistributedSampler(dataset))
