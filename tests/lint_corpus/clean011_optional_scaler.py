# expect: clean
# Mixed precision only when a GradScaler was asked for: the branch tests whether the scaler
# exists, not a gradient, so no step is skipped silently.
import torch

grad_scaler = torch.amp.GradScaler("cuda") if use_amp else None
for xb, yb in batches:
    opt.zero_grad(set_to_none=True)
    loss = loss_fn(net(xb), yb)
    if grad_scaler is not None:
        grad_scaler.scale(loss).backward()
        grad_scaler.step(opt)
        grad_scaler.update()
    else:
        loss.backward()
        opt.step()
