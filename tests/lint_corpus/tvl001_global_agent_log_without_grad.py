# expect: TVL001
# Script style: `pick()` runs under @torch.no_grad() and appends log-probabilities to a list
# kept on the module-level network object; `learn()` walks that list to build the loss.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(3, 24), nn.ReLU(), nn.Linear(24, 2))
net.history = []
net.gains = []
optimiser = torch.optim.Adam(net.parameters(), lr=5e-3)


@torch.no_grad()
def pick(obs):
    probs = torch.softmax(net(obs), dim=-1)
    choice = torch.multinomial(probs, 1).item()
    net.history.append(torch.log(probs[choice]))
    return choice


def learn():
    terms = []
    for logp, g in zip(net.history, net.gains):
        terms.append(-logp * g)
    optimiser.zero_grad()
    total = torch.stack(terms).sum()
    total.backward()
    optimiser.step()
    net.history.clear()
    net.gains.clear()


for episode in range(100):
    for t in range(15):
        c = pick(torch.randn(3))
        net.gains.append(float(c))
    learn()
