# expect: TVL011
# A guard object answers True/False from a test on the total gradient norm; the refusal it
# returns is a constant, and the loop that asks it skips the update without counting.
import torch
import torch.nn as nn


class SpikeGuard:
    def __init__(self, ceiling=50.0):
        self.ceiling = ceiling

    def permits(self, module):
        total = torch.nn.utils.clip_grad_norm_(module.parameters(), float("inf"))
        if torch.isfinite(total) and total <= self.ceiling:
            return True
        return False


def fit(net, batches, guard):
    opt = torch.optim.AdamW(net.parameters(), lr=3e-4)
    for inputs, labels in batches:
        opt.zero_grad(set_to_none=True)
        nn.functional.cross_entropy(net(inputs), labels).backward()
        if guard.permits(net):
            opt.step()


fit(nn.Linear(10, 3), [(torch.randn(4, 10), torch.randint(0, 3, (4,)))] * 20, SpikeGuard())
