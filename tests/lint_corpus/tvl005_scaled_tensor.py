# expect: TVL005
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CLIPHead(nn.Module):
    """Image/text projections with a learnable logit scale."""

    def __init__(self, d_img=64, d_txt=48, d=32):
        super().__init__()
        self.img_proj = nn.Linear(d_img, d, bias=False)
        self.txt_proj = nn.Linear(d_txt, d, bias=False)
        self.logit_scale = math.log(1 / 0.07) * torch.ones([], requires_grad=True)

    def forward(self, img, txt):
        a = F.normalize(self.img_proj(img), dim=-1)
        b = F.normalize(self.txt_proj(txt), dim=-1)
        return self.logit_scale.exp() * a @ b.t()


head = CLIPHead()
adam = torch.optim.Adam(head.parameters(), lr=1e-3)
for _ in range(20):
    logits = head(torch.randn(8, 64), torch.randn(8, 48))
    target = torch.arange(8)
    loss = (F.cross_entropy(logits, target) + F.cross_entropy(logits.t(), target)) / 2
    adam.zero_grad()
    loss.backward()
    adam.step()
