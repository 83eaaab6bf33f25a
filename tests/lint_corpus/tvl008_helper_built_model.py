# expect: TVL008
# A helper function assembles the network (ending in Softmax) and the script moves it to the
# device; its output then goes to cross-entropy.
import torch
from torch import nn


def assemble(width, classes):
    return nn.Sequential(nn.Linear(10, width), nn.GELU(), nn.Linear(width, classes), nn.Softmax(dim=-1))


def main():
    net = assemble(64, 3).to("cpu")
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    for _ in range(20):
        x, y = torch.randn(32, 10), torch.randint(0, 3, (32,))
        opt.zero_grad()
        out = net(x)
        loss_fn(out, y).backward()
        opt.step()


main()
