# expect: clean
# A guard object answers True/False from a test on the total gradient norm and counts every
# refusal before returning it: the skipped updates are visible.
import torch
import torch.nn as nn


class SpikeGuard:
    def __init__(self, ceiling=50.0):
        self.ceiling = ceiling
        self.refused = 0

    def permits(self, module):
        total = torch.nn.utils.clip_grad_norm_(module.parameters(), float("inf"))
        if torch.isfinite(total) and total <= self.ceiling:
            return True
        self.refused += 1
        return False


def fit(net, batches, guard):
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
    for inputs, labels in batches:
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(net(inputs), labels).backward()
        if guard.permits(net):
            opt.step()


fit(nn.Linear(10, 3), [(torch.randn(4, 10), torch.randint(0, 3, (4,)))] * 20, SpikeGuard())
