# expect: TVL011
# A gate object's method counts every call before it decides, and refuses without a word.
import math

import torch
import torch.nn as nn


class FiniteGate:
    def __init__(self):
        self.asked = 0

    def allow(self, norm):
        self.asked += 1
        if math.isfinite(norm):
            return True
        return False


net = nn.Linear(16, 4)
opt = torch.optim.SGD(net.parameters(), lr=0.05)
gate = FiniteGate()
for _ in range(50):
    loss = net(torch.randn(8, 16)).pow(2).mean()
    opt.zero_grad()
    loss.backward()
    norm = nn.utils.clip_grad_norm_(net.parameters(), 1.0).item()
    if gate.allow(norm):
        opt.step()
