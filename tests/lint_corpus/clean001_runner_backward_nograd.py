# expect: clean
import lightning as L
import torch
import torch.nn as nn


class Step:
    def __init__(self, net, opt, runtime):
        self.net = net
        self.opt = opt
        self.rt = runtime
        self.crit = nn.MSELoss()

    def loss_on(self, x, y):
        return self.crit(self.net(x), y)

    def run(self, batches):
        for x, y in batches:
            loss = self.loss_on(x, y)
            self.rt.backward(loss)
            self.opt.step()
            self.opt.zero_grad()


runtime = L.Fabric(accelerator="cpu")
net = nn.Linear(6, 2)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
net, opt = runtime.setup(net, opt)
Step(net, opt, runtime).run([(torch.randn(4, 6), torch.randn(4, 2)) for _ in range(20)])
