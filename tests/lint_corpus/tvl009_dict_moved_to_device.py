# expect: TVL009
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class Pairs(Dataset):
    def __init__(self, n):
        self.x = torch.randn(n, 10)
        self.score = torch.rand(n)

    def __len__(self):
        return len(self.score)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], score=float(self.score[i]))


def train(model, loader, device="cpu"):
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for batch in loader:
        batch = {k: v.to(device) for k, v in batch.items()}
        out = model(batch["inputs"])
        loss = F.mse_loss(out, batch["score"])
        opt.zero_grad()
        loss.backward()
        opt.step()


train(nn.Linear(10, 1), DataLoader(Pairs(100), batch_size=8, shuffle=True))
