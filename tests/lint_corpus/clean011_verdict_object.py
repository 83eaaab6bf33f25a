# expect: clean
# The same watchdog counts and logs every refusal where it decides, before it returns False: the
# skipped steps are on record even though the loop's `if` has no `else`.
import logging
import math

import torch

log = logging.getLogger(__name__)


class NormWatchdog:
    def __init__(self, ratio=10.0):
        self.ratio = ratio
        self.mean = None
        self.refused = 0

    def permits(self, norm):
        if not math.isfinite(norm) or (self.mean is not None and norm > self.ratio * self.mean):
            self.refused += 1
            log.warning("update refused (norm %.3g), %d so far", norm, self.refused)
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
