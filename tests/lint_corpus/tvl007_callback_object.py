# expect: TVL007
# A Keras-like callback list: LRCallback.on_batch_end steps the schedule it was given, and the
# fit loop calls every callback after each batch. Milestones come from a config dict (epochs).
import torch

CONFIG = {"sched": {"milestones": [30, 60], "gamma": 0.1}}


class LRCallback:
    def __init__(self, sched):
        self.sched = sched

    def on_batch_end(self, logs):
        self.sched.step()


def fit(net, opt, data, callbacks, n_epochs):
    for ep in range(n_epochs):
        for xb, yb in data:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(net(xb), yb)
            loss.backward()
            opt.step()
            for cb in callbacks:
                cb.on_batch_end({"loss": loss.item()})


opt = torch.optim.SGD(net.parameters(), lr=0.1)
sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=CONFIG["sched"]["milestones"])
fit(net, opt, data, [LRCallback(sched)], 90)
