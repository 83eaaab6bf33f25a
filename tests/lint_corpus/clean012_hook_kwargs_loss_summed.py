# expect: clean
"""The running-average helper takes any named values as keyword arguments and adds each to a
running total. The loop passes the policy and value losses in as floats, so the
totals hold no graph."""
import torch
from torch import nn


class Running:
    def __init__(self):
        self.total = {}
        self.count = 0

    def add(self, **named):
        for key, amount in named.items():
            self.total[key] = self.total.get(key, 0.0) + amount
        self.count += 1


def learn(actor, critic, opt, rollouts, running):
    for obs, act, ret in rollouts:
        logp = torch.log_softmax(actor(obs), -1).gather(1, act[:, None]).squeeze(1)
        value = critic(obs).squeeze(1)
        adv = (ret - value).detach()
        pg = -(logp * adv).mean()
        vf = nn.functional.mse_loss(value, ret)
        loss = pg + 0.5 * vf
        opt.zero_grad()
        loss.backward()
        opt.step()
        running.add(policy=pg.item(), value=vf.item())


actor, critic = nn.Linear(4, 2), nn.Linear(4, 1)
opt = torch.optim.Adam([*actor.parameters(), *critic.parameters()])
data = [(torch.randn(16, 4), torch.randint(0, 2, (16,)), torch.randn(16)) for _ in range(30)]
learn(actor, critic, opt, data, Running())
