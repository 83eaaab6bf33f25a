# expect: clean
# Twin of tvl003_callback_list: the update callback clears the gradients after stepping.
import torch
import torch.nn as nn


class Callback:
    def on_batch_end(self, trainer):
        pass


class UpdateCallback(Callback):
    def on_batch_end(self, trainer):
        trainer.last_loss.backward()
        trainer.opt.step()
        trainer.opt.zero_grad()


class Trainer:
    def __init__(self, net, opt, callbacks):
        self.net, self.opt, self.callbacks = net, opt, callbacks

    def fit(self, batches, epochs):
        for _ in range(epochs):
            for x, y in batches:
                self.last_loss = nn.functional.mse_loss(self.net(x), y)
                for cb in self.callbacks:
                    cb.on_batch_end(self)


net = nn.Linear(3, 1)
batches = [(torch.randn(8, 3), torch.randn(8, 1)) for _ in range(10)]
Trainer(net, torch.optim.SGD(net.parameters(), lr=0.01), [UpdateCallback()]).fit(batches, 3)
