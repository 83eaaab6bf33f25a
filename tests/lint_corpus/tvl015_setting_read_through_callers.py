# expect: TVL015
"""Per-split loader options live in one module-level dict that `main(config)` receives and hands
on to a builder; the builder reads `shuffle` from the options it is given. For the training
split those options say False, so training batches come in file order."""
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "train": {"batch_size": 64, "shuffle": False},
    "valid": {"batch_size": 256, "shuffle": False},
}


def build(ds, opts):
    return DataLoader(ds, batch_size=opts["batch_size"], shuffle=opts["shuffle"])


def main(config):
    xs, ys = torch.randn(3000, 10), torch.randn(3000, 1)
    train_loader = build(TensorDataset(xs[:2500], ys[:2500]), config["train"])
    valid_loader = build(TensorDataset(xs[2500:], ys[2500:]), config["valid"])
    reg = nn.Linear(10, 1)
    opt = torch.optim.SGD(reg.parameters(), lr=0.01)
    for _ in range(20):
        for xb, yb in train_loader:
            opt.zero_grad()
            nn.functional.mse_loss(reg(xb), yb).backward()
            opt.step()
    with torch.no_grad():
        print(sum(nn.functional.mse_loss(reg(xb), yb).item() for xb, yb in valid_loader))


main(CONFIG)
