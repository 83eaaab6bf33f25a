# expect: clean
# The same guard, with the skipped updates counted and logged; and a helper that only decides
# when an accumulation window is complete.
import torch


def update_is_safe(params, limit=50.0):
    total = torch.norm(torch.stack([p.grad.norm() for p in params if p.grad is not None]))
    return bool(torch.isfinite(total)) and total < limit


def window_done(i, every=4):
    return (i + 1) % every == 0


skipped = 0
for i, (xb, yb) in enumerate(loader):
    lossf(net(xb), yb).backward()
    if window_done(i):
        if update_is_safe(list(net.parameters())):
            opt.step()
        else:
            skipped += 1
            print(f"skipped update {skipped}")
        opt.zero_grad()
