# expect: TVL016
# A runner splits its AMP step in two methods: the first backpropagates and clips, the second
# unscales and steps. The clip sees gradients still multiplied by the loss scale.
import torch
import torch.nn as nn


class Runner:
    def __init__(self, net):
        self.net = net.cuda()
        self.optim = torch.optim.Adam(net.parameters(), lr=3e-4)
        self.amp_scaler = torch.amp.GradScaler("cuda")

    def backprop(self, loss):
        self.amp_scaler.scale(loss).backward()
        nn.utils.clip_grad_value_(self.net.parameters(), 0.5)

    def apply(self):
        self.amp_scaler.unscale_(self.optim)
        self.amp_scaler.step(self.optim)
        self.amp_scaler.update()
        self.optim.zero_grad()

    def run(self, batches):
        for x, y in batches:
            with torch.autocast("cuda", dtype=torch.float16):
                loss = nn.functional.mse_loss(self.net(x), y)
            self.backprop(loss)
            self.apply()
