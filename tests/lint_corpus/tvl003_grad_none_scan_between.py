# expect: TVL003
# Gradients are released by hand with a loop over the parameters, but the loop sits between
# backward() and step(): the step sees no gradients and the weights never move.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 1))
sgd = torch.optim.SGD(net.parameters(), lr=0.05)
for it in range(500):
    inputs = torch.randn(32, 10)
    target = inputs[:, :1] * 2
    loss = nn.functional.mse_loss(net(inputs), target)
    loss.backward()
    for w in net.parameters():
        w.grad = None
    sgd.step()
