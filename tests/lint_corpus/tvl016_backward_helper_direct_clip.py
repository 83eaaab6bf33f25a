# expect: TVL016
# The scaled backward lives in a method of a small AMP helper; the epoch loop clips right after
# calling it, and the helper's apply() unscales only later, so the clip sees scaled gradients.
import torch
from torch import nn


class AmpHelper:
    def __init__(self, opt):
        self.opt = opt
        self.grad_scaler = torch.cuda.amp.GradScaler()

    def backprop(self, loss):
        self.grad_scaler.scale(loss).backward()

    def apply(self):
        self.grad_scaler.unscale_(self.opt)
        self.grad_scaler.step(self.opt)
        self.grad_scaler.update()
        self.opt.zero_grad()


def fit(net, batches, epochs=5):
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    amp = AmpHelper(opt)
    for _ in range(epochs):
        for inputs, labels in batches:
            with torch.autocast("cuda"):
                loss = nn.functional.cross_entropy(net(inputs), labels)
            amp.backprop(loss)
            torch.nn.utils.clip_grad_value_(net.parameters(), 0.5)
            amp.apply()
