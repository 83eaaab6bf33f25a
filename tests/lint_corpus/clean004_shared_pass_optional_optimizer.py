# expect: clean
# A shared pass function whose step is guarded by the optimizer being given (the evaluation call
# passes None) and by the module's mode: nothing is stepped on held-out data.
import torch
import torch.nn as nn


def one_pass(net, batches, opt, learn):
    net.train(learn)
    for x, y in batches:
        loss = nn.functional.mse_loss(net(x), y)
        if learn:
            opt.zero_grad()
            loss.backward()
        if opt is not None:
            opt.step()
        if net.training:
            opt.step()


net = nn.Linear(6, 1)
opt = torch.optim.Adam(net.parameters())
data = [(torch.randn(32, 6), torch.randn(32, 1)) for _ in range(20)]
for epoch in range(10):
    one_pass(net, data, opt, True)
    with torch.no_grad():
        one_pass(net, data, None, False)
