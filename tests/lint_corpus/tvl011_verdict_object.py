# expect: TVL011
# A norm watchdog object decides whether to step: when the norm is not finite or far above its
# running mean it refuses, and nothing counts or logs the refusal.
import math

import torch


class NormWatchdog:
    def __init__(self, ratio=10.0):
        self.ratio = ratio
        self.mean = None

    def permits(self, norm):
        if not math.isfinite(norm) or (self.mean is not None and norm > self.ratio * self.mean):
            return False
        self.mean = norm if self.mean is None else 0.9 * self.mean + 0.1 * norm
        return True


dog = NormWatchdog()
for xb, yb in loader:
    opt.zero_grad()
    lossf(net(xb), yb).backward()
    total = float(torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0))
    if dog.permits(total):
        opt.step()
