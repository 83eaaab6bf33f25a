# expect: TVL006
import torch
import torch.nn as nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
        self.head = nn.Linear(64, 3)

    def forward(self, x):
        return self.head(self.body(x))


net = Net()
params = net.head.parameters()
opt = torch.optim.Adam(params, lr=1e-3)
for epoch in range(10):
    net.train()
    for x, y in train_loader:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    net.eval()
    with torch.no_grad():
        print(sum((net(x).argmax(-1) == y).float().mean().item() for x, y in val_loader))
