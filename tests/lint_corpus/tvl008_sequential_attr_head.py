# expect: TVL008
import torch
import torch.nn as nn


class TabularNet(nn.Module):
    def __init__(self, n_in, n_out):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(n_in, 128), nn.ReLU())
        self.out = nn.Sequential(nn.Linear(128, n_out), nn.Sigmoid())

    def forward(self, x):
        return self.out(self.body(x))


net = TabularNet(20, 5)
opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
bce = nn.BCEWithLogitsLoss()
for _ in range(100):
    feats, multi_hot = torch.randn(64, 20), torch.randint(0, 2, (64, 5)).float()
    scores = net(feats)
    loss = bce(scores, multi_hot)
    opt.zero_grad()
    loss.backward()
    opt.step()
