# expect: TVL016
# The clip is an object handed in (a partial of clip_grad_value_) and runs on the gradients right
# after the scaled backward, inside a step function with no loop of its own.
import functools

import torch


def train_step(net, opt, scaler, clip_fn, x, y):
    with torch.autocast("cuda", dtype=torch.float16):
        loss = torch.nn.functional.mse_loss(net(x), y)
    opt.zero_grad()
    scaler.scale(loss).backward()
    clip_fn(net.parameters())
    scaler.step(opt)
    scaler.update()
    return loss.item()


clipper = functools.partial(torch.nn.utils.clip_grad_value_, clip_value=0.5)
scaler = torch.cuda.amp.GradScaler()
for x, y in loader:
    train_step(net, opt, scaler, clipper, x, y)
