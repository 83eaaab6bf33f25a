# expect: TVL011
# A helper starts from `safe = True`, lowers the flag when any gradient is non-finite and
# returns it; the loop steps only on a safe verdict and the refused updates leave no trace.
import logging

import torch
import torch.nn as nn

log = logging.getLogger("train")


def update_is_safe(module):
    safe = True
    for p in module.parameters():
        if p.grad is not None and not torch.isfinite(p.grad).all():
            safe = False
    return safe


net = nn.GRU(8, 16, batch_first=True)
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
for it in range(300):
    out, _ = net(torch.randn(4, 10, 8))
    opt.zero_grad()
    out.pow(2).mean().backward()
    if update_is_safe(net):
        opt.step()
