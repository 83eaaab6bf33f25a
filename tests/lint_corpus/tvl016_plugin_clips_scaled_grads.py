# expect: TVL016
# Plugins get a callback after the mixed-precision backward. The norm-limiting plugin clips right
# away; the only unscale_ is in the monitoring plugin and runs every 100 steps, so on the other
# steps the clip threshold is compared with gradients still multiplied by the loss scale.
import torch
import torch.nn as nn


class LimitNorm:
    def grads_ready(self, loop):
        torch.nn.utils.clip_grad_norm_(loop.net.parameters(), 0.5)


class Monitor:
    def grads_ready(self, loop):
        if loop.it % 100 == 0:
            loop.amp.unscale_(loop.opt)
            print(max(p.grad.abs().max().item() for p in loop.net.parameters()))


class AmpLoop:
    def __init__(self, net, plugins):
        self.net, self.plugins, self.it = net, plugins, 0
        self.opt = torch.optim.AdamW(net.parameters(), lr=1e-4)
        self.amp = torch.cuda.amp.GradScaler()

    def train_on(self, x, y):
        self.opt.zero_grad()
        with torch.autocast("cuda"):
            loss = nn.functional.mse_loss(self.net(x), y)
        self.amp.scale(loss).backward()
        for p in self.plugins:
            p.grads_ready(self)
        self.amp.step(self.opt)
        self.amp.update()
        self.it += 1


loop = AmpLoop(nn.Linear(16, 1).cuda(), [LimitNorm(), Monitor()])
for _ in range(1000):
    loop.train_on(torch.randn(8, 16).cuda(), torch.randn(8, 1).cuda())
