# expect: TVL011
# The update helper walks the parameters first and leaves the function as soon as one gradient
# holds an inf or NaN: the optimizer step after the scan is dropped and nothing notes it.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(10, 10), nn.ReLU(), nn.Linear(10, 1))
sgd = torch.optim.SGD(net.parameters(), lr=0.01)


def apply_update():
    for w in net.parameters():
        if w.grad is not None and torch.isnan(w.grad).any():
            return
    sgd.step()


for _ in range(200):
    x, y = torch.randn(32, 10), torch.randn(32, 1)
    sgd.zero_grad()
    nn.functional.mse_loss(net(x), y).backward()
    apply_update()
