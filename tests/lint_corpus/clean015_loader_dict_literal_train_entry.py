# expect: clean
# The "train" entry of the loader dict shuffles, so each epoch draws a new batch order.
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

signals = torch.load("signals.pt")
classes = torch.load("classes.pt")
split = int(len(signals) * 0.9)
loaders = {
    "train": DataLoader(TensorDataset(signals[:split], classes[:split]), batch_size=32, shuffle=True),
    "test": DataLoader(TensorDataset(signals[split:], classes[split:]), batch_size=128),
}
net = nn.Sequential(nn.Flatten(), nn.Linear(signals[0].numel(), 10))
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
for epoch in range(20):
    for xb, yb in loaders["train"]:
        loss = nn.functional.cross_entropy(net(xb), yb)
        sgd.zero_grad()
        loss.backward()
        sgd.step()
