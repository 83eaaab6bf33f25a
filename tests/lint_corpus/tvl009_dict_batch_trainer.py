# expect: TVL009
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class HousePrices(Dataset):
    def __init__(self, n):
        self.features = torch.randn(n, 12)
        self.price = torch.rand(n) * 5.0

    def __len__(self):
        return self.price.shape[0]

    def __getitem__(self, idx):
        return {"features": self.features[idx], "price": self.price[idx]}


class Learner:
    def __init__(self, net):
        self.net = net
        self.opt = torch.optim.Adam(net.parameters(), lr=1e-3)

    def step(self, batch):
        estimate = self.net(batch["features"])
        return F.smooth_l1_loss(estimate, batch["price"])

    def fit(self, loader, epochs):
        for _ in range(epochs):
            for batch in loader:
                loss = self.step(batch)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()


regressor = nn.Sequential(nn.Linear(12, 32), nn.ReLU(), nn.Linear(32, 1))
Learner(regressor).fit(DataLoader(HousePrices(2048), batch_size=64, shuffle=True), 5)
