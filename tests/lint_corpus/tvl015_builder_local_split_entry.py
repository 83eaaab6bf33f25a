# expect: TVL015
import torch
from torch.utils.data import DataLoader, TensorDataset

LOADERS = {
    "train": {"batch_size": 32, "pin_memory": True},
    "valid": {"batch_size": 128, "shuffle": False},
}
SETS = {
    "train": TensorDataset(torch.randn(800, 12), torch.randint(0, 2, (800,))),
    "valid": TensorDataset(torch.randn(200, 12), torch.randint(0, 2, (200,))),
}


def make_loader(which, settings):
    opts = settings[which]
    return DataLoader(SETS[which], batch_size=opts["batch_size"], shuffle=opts.get("shuffle", False))


train_loader = make_loader("train", LOADERS)
valid_loader = make_loader("valid", LOADERS)
model = torch.nn.Linear(12, 2)
opt = torch.optim.Adam(model.parameters())
for epoch in range(5):
    for x, y in train_loader:
        loss = torch.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
