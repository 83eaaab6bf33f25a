# expect: TVL005
# A reusable mixin adds a learnable margin to whichever model inherits it.
import torch
import torch.nn as nn
import torch.nn.functional as F


class MarginMixin:
    def setup_margin(self, start=0.2):
        self.margin = torch.full((), start, requires_grad=True)

    def margin_loss(self, anchor, pos, neg):
        return F.relu((anchor - pos).norm(dim=-1) - (anchor - neg).norm(dim=-1) + self.margin).mean()


class Embedder(nn.Module, MarginMixin):
    def __init__(self, d_in=32, d=16):
        super().__init__()
        self.proj = nn.Linear(d_in, d)
        self.setup_margin()

    def forward(self, x):
        return self.proj(x)
