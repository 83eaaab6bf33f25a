# expect: clean
# A gate object's method allows finite norms early and counts and logs every refusal after that.
import math
import logging

import torch
import torch.nn as nn

log = logging.getLogger(__name__)


class FiniteGate:
    def __init__(self):
        self.refused = 0

    def allow(self, norm):
        if math.isfinite(norm):
            return True
        self.refused += 1
        log.warning("non-finite gradient norm, update skipped (%d so far)", self.refused)
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
