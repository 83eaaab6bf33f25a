# expect: clean
# A callback that steps its schedule at the end of each epoch, and a per-iteration StepLR whose
# option is counted in iterations (default 20000): both are stepped at the right rate.
import argparse

import torch


class LRCallback:
    def __init__(self, sched):
        self.sched = sched

    def on_epoch_end(self, logs):
        self.sched.step()


p = argparse.ArgumentParser()
p.add_argument("--decay-iters", type=int, default=20000, help="iterations between lr decays")
flags = p.parse_args()
opt = torch.optim.SGD(net.parameters(), lr=0.1)
epoch_cb = LRCallback(torch.optim.lr_scheduler.StepLR(opt, 30))
iter_sched = torch.optim.lr_scheduler.StepLR(opt, flags.decay_iters)
for ep in range(90):
    for xb, yb in data:
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(xb), yb).backward()
        opt.step()
        iter_sched.step()
    epoch_cb.on_epoch_end({})
