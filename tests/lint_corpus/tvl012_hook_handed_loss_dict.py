# expect: TVL012
"""A segmentation loop combines a dice term and a focal term, and after each step hands both
terms to its listeners in a dict; the running-mean listener adds every entry of that dict into
its own sums, so each batch's dice and focal tensors (and their graphs) stay alive."""
import torch
from torch import nn


def focal_loss(logits, target, gamma=2.0):
    p = torch.sigmoid(logits)
    pt = torch.where(target > 0.5, p, 1 - p)
    return (-(1 - pt) ** gamma * torch.log(pt.clamp(min=1e-6))).mean()


class RunningMeans:
    def __init__(self):
        self.sums = {}
        self.n = 0

    def step_done(self, terms):
        for name, term in terms.items():
            self.sums[name] = self.sums.get(name, 0.0)
            self.sums[name] += term
        self.n += 1


def dice_loss(logits, target):
    p = torch.sigmoid(logits)
    return 1 - (2 * (p * target).sum() + 1) / (p.sum() + target.sum() + 1)


def run(model, opt, batches, listeners):
    for img, mask in batches:
        logits = model(img)
        dice = dice_loss(logits, mask)
        focal = focal_loss(logits, mask)
        loss = dice + focal
        opt.zero_grad()
        loss.backward()
        opt.step()
        for listener in listeners:
            listener.step_done({"dice": dice, "focal": focal})


net = nn.Conv2d(3, 1, 3, padding=1)
data = [(torch.randn(2, 3, 32, 32), (torch.rand(2, 1, 32, 32) > 0.5).float()) for _ in range(20)]
run(net, torch.optim.Adam(net.parameters()), data, [RunningMeans()])
