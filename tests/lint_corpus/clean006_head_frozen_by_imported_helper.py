# expect: clean
import torch
import torch.nn as nn
from probe_utils import freeze_encoder


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
        self.head = nn.Linear(64, 3)

    def forward(self, x):
        return self.head(self.encoder(x))


net = Net()
freeze_encoder(net)
opt = torch.optim.AdamW(net.head.parameters(), lr=3e-4)


def validate(loader):
    net.eval()
    with torch.no_grad():
        return sum((net(x).argmax(-1) == y).float().mean().item() for x, y in loader) / len(loader)


for epoch in range(10):
    net.train()
    for x, y in train_loader:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(validate(val_loader))
