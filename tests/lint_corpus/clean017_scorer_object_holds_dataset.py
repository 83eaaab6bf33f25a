# expect: clean
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Scorer:
    """Keeps the held-out set and its loader together; scores a network on them."""

    def __init__(self, data, batches):
        self.data = data
        self.batches = batches

    @torch.no_grad()
    def predict(self, net):
        net.eval()
        return torch.cat([net(x).argmax(1) for x, _ in self.batches])

    def accuracy(self, net):
        preds = self.predict(net)
        truth = self.data.tensors[1]
        return (preds == truth).float().mean().item()


x_all, y_all = torch.randn(1200, 10), torch.randint(0, 4, (1200,))
train_ds = TensorDataset(x_all[:1000], y_all[:1000])
test_ds = TensorDataset(x_all[1000:], y_all[1000:])
train_loader = DataLoader(train_ds, batch_size=32, shuffle=True)
test_loader = DataLoader(test_ds, batch_size=100, shuffle=False)
scorer = Scorer(test_ds, test_loader)

net = nn.Sequential(nn.Linear(10, 64), nn.ReLU(), nn.Linear(64, 4))
opt = torch.optim.SGD(net.parameters(), lr=0.1)
for epoch in range(8):
    net.train()
    for x, y in train_loader:
        loss = nn.functional.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    print(epoch, scorer.accuracy(net))
