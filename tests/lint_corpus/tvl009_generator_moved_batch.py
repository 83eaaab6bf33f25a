# expect: TVL009
# A trainer moves every part of the batch to the device with a generator expression, unpacks
# the parts, and compares the (B, 1) score of a two-tower model with the (B,) click-through
# rate.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class Clicks(Dataset):
    def __init__(self, n):
        self.q = torch.randint(0, 500, (n,))
        self.d = torch.randint(0, 800, (n,))
        self.ctr = torch.rand(n)

    def __len__(self):
        return self.q.shape[0]

    def __getitem__(self, j):
        return self.q[j], self.d[j], self.ctr[j]


class Towers(nn.Module):
    def __init__(self):
        super().__init__()
        self.qe = nn.Embedding(500, 16)
        self.de = nn.Embedding(800, 16)
        self.score = nn.Linear(32, 1)

    def forward(self, q, d):
        return self.score(torch.cat([self.qe(q), self.de(d)], dim=1))


class Runner:
    def __init__(self, model, device="cpu"):
        self.model = model.to(device)
        self.device = device
        self.crit = nn.L1Loss()
        self.opt = torch.optim.Adam(model.parameters())

    def loss_of(self, batch):
        q, d, ctr = [t.to(self.device) for t in batch]
        return self.crit(self.model(q, d), ctr)

    def epoch(self, loader):
        for batch in loader:
            self.opt.zero_grad()
            self.loss_of(batch).backward()
            self.opt.step()


Runner(Towers()).epoch(DataLoader(Clicks(4096), batch_size=128, shuffle=True))
