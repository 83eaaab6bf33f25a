# expect: TVL003
# A learner whose `backward` method backpropagates and then frees the gradients "to save
# memory"; `apply_update`, called right after it, steps on the cleared gradients.
import torch
import torch.nn as nn
import torch.nn.functional as F


class Learner:
    def __init__(self, net, lr=1e-2):
        self.net = net
        self.opt = torch.optim.SGD(net.parameters(), lr=lr)

    def backward(self, loss):
        loss.backward()
        self.opt.zero_grad(set_to_none=True)

    def apply_update(self):
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.opt.step()

    def train_on(self, x, y):
        loss = F.mse_loss(self.net(x), y)
        self.backward(loss)
        self.apply_update()
        return float(loss)


learner = Learner(nn.Linear(6, 1))
for it in range(200):
    x = torch.randn(32, 6)
    learner.train_on(x, x.sum(1, keepdim=True))
