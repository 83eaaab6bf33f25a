# zoo: expect=batch-mixing
# zoo: source=https://github.com/timbmg/Sentence-VAE/issues/15 (view where a transpose was meant mixes the samples of a batch); https://discuss.pytorch.org/t/for-beginners-do-not-use-view-or-reshape-to-swap-dimensions-of-tensors/75524
"""Fault: a (batch, time, features) batch is fed to a GRU with batch_first=False through
x.view(T, B, C) instead of x.transpose(0, 1): every "sequence" the GRU reads is stitched from
several samples, so each sample's prediction depends on its neighbours in the batch
(batch-mixing). --fixed: x.transpose(0, 1)."""

import argparse

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(256, 12, 6, generator=g)
y = (x[:, :, 0].sum(1) > 0).long()  # the sign of a running sum: needs the whole sequence


class Classifier(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.GRU(6, 32)  # batch_first=False: expects (time, batch, features)
        self.head = nn.Linear(32, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        seq = x.transpose(0, 1) if args.fixed else x.view(t, b, c)  # the bug: view is not a transpose
        h, _ = self.rnn(seq)
        return self.head(h[-1])


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True, generator=g)
for _epoch in range(2):
    for xb, yb in loader:
        loss = nn.functional.cross_entropy(model(xb), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
print(f"final loss {loss.item():.4f}")
