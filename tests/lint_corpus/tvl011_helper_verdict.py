# expect: TVL011
# A spike guard written as a helper: the update is skipped when the helper says the gradients
# are too large, and nothing counts or logs the skip.
import torch


def update_is_safe(params, limit=50.0):
    total = torch.norm(torch.stack([p.grad.norm() for p in params if p.grad is not None]))
    return bool(torch.isfinite(total)) and total < limit


for xb, yb in loader:
    opt.zero_grad()
    lossf(net(xb), yb).backward()
    if update_is_safe(list(net.parameters())):
        opt.step()
