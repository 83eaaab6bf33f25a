# expect: TVL005
# CLIP-style learnable logit scale written as a tensor chain ending in requires_grad_().
import math

import torch
import torch.nn as nn


class ContrastiveHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.logit_scale = torch.ones([]).mul(math.log(1 / 0.07)).requires_grad_()

    def forward(self, img, txt):
        return self.logit_scale.exp() * img @ txt.t()
