# expect: TVL014
import click
import torch
import torch.nn as nn


@click.command()
@click.option("--weights", type=click.Path(exists=True))
@click.option("--epochs", default=5)
def finetune(weights, epochs):
    net = nn.Linear(10, 2)
    net.load_state_dict(torch.load(weights))
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    for _ in range(epochs):
        loss = net(torch.randn(4, 10)).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


if __name__ == "__main__":
    finetune()
