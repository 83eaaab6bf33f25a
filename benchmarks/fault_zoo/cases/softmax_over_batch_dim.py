# zoo: expect=batch-mixing
# zoo: source=https://stackoverflow.com/questions/49036993 (which dimension softmax normalises; nn.Softmax() on a 3-D input picks dim 0, the batch)
"""Fault: a token-level attention pooling normalises its scores with nn.Softmax(dim=0) over a
(batch, time, 1) tensor: the weights of one sample are divided by the scores of every other
sample in the batch, so each prediction depends on the rest of the batch (batch-mixing).
--fixed: softmax over dim=1, the time steps of each sample."""

import argparse

import torch
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(1024, 10, 8, generator=g)
y = (x[:, :, :2].mean(dim=(1, 2)) > 0).long()


class AttentionPool(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Linear(8, 32)
        self.score = nn.Linear(32, 1)
        self.softmax = nn.Softmax(dim=1 if args.fixed else 0)  # the bug: dim 0 is the batch
        self.head = nn.Linear(32, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.proj(x))  # (batch, time, 32)
        w = self.softmax(self.score(h))  # (batch, time, 1)
        return self.head((w * h).sum(dim=1))


model = AttentionPool()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
for _ in range(150):
    i = torch.randint(0, len(x), (32,), generator=g)
    loss = nn.functional.cross_entropy(model(x[i]), y[i])
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
