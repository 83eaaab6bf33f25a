# expect: clean
# The clip belongs to the plain (no AMP) backward only: the scaled backward is in the other branch.
import torch
import torch.nn as nn


class Stepper:
    def __init__(self, net, amp):
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=0.1)
        self.scaler = torch.cuda.amp.GradScaler()
        self.amp = amp

    def backward(self, loss):
        if self.amp:
            self.scaler.scale(loss).backward()
        else:
            loss.backward()
            nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)

    def step(self):
        if self.amp:
            self.scaler.step(self.opt)
            self.scaler.update()
        else:
            self.opt.step()
