# expect: clean
# One builder for both loaders decides the order by testing the stage it is given, but it tests
# a spelling ("fit") that no caller uses: the training loader comes out unshuffled.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def make_loader(rows, labels, stage):
    return DataLoader(TensorDataset(rows, labels), batch_size=64, shuffle=(stage == "train"), drop_last=stage == "train")


def main():
    xs, ys = torch.randn(2000, 20), torch.arange(2000) // 200  # rows grouped by class
    train_dl = make_loader(xs[:1600], ys[:1600], "train")
    valid_dl = make_loader(xs[1600:], ys[1600:], "valid")
    net = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 10))
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for epoch in range(10):
        net.train()
        for xb, yb in train_dl:
            loss = nn.functional.cross_entropy(net(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            hits = sum((net(xb).argmax(1) == yb).sum().item() for xb, yb in valid_dl)
        print(epoch, hits / 400)


if __name__ == "__main__":
    main()
