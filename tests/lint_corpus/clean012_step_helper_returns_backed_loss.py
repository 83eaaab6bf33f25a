# expect: clean
# A small step function backpropagates and hands its loss tensor back; the epoch loop adds up
# whatever comes back.
import torch
import torch.nn as nn

net = nn.Linear(10, 3)
sgd = torch.optim.SGD(net.parameters(), lr=0.1)
xent = nn.CrossEntropyLoss()


def one_update(inputs, labels):
    sgd.zero_grad()
    err = xent(net(inputs), labels)
    err.backward()
    sgd.step()
    return err.item()


for epoch in range(3):
    epoch_err = 0
    for _ in range(200):
        epoch_err += one_update(torch.randn(8, 10), torch.randint(0, 3, (8,)))
    print(epoch, epoch_err / 200)
