# expect: clean
# PPO: the rollout runs under no_grad and stores the old log-probabilities and values in a
# buffer object; the update recomputes fresh ones through a method of the agent, so the agent
# reaches the clipped loss live and the stored values only weight it.
import torch
import torch.nn as nn
from torch.distributions import Categorical


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.pi = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 2))
        self.v = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 1))

    def act(self, s):
        d = Categorical(logits=self.pi(s))
        a = d.sample()
        return a, d.log_prob(a), self.v(s).squeeze(-1)

    def judge(self, s, a):
        d = Categorical(logits=self.pi(s))
        return d.log_prob(a), self.v(s).squeeze(-1), d.entropy()


class Buffer:
    def __init__(self):
        self.s, self.a, self.lp, self.val, self.r = [], [], [], [], []

    def add(self, s, a, lp, val, r):
        self.s.append(s)
        self.a.append(a)
        self.lp.append(lp)
        self.val.append(val)
        self.r.append(r)


def rollout(agent, n):
    buf = Buffer()
    with torch.no_grad():
        for _ in range(n):
            s = torch.randn(4)
            a, lp, val = agent.act(s)
            buf.add(s, a, lp, val, float(a.item()))
    return buf


def ppo_update(agent, opt, buf, clip=0.2):
    s, a = torch.stack(buf.s), torch.stack(buf.a)
    old_lp, old_v = torch.stack(buf.lp), torch.stack(buf.val)
    adv = torch.tensor(buf.r) - old_v
    for _ in range(4):
        lp, v, ent = agent.judge(s, a)
        ratio = (lp - old_lp).exp()
        pg = -torch.min(ratio * adv, ratio.clamp(1 - clip, 1 + clip) * adv).mean()
        loss = pg + 0.5 * (v - torch.tensor(buf.r)).pow(2).mean() - 0.01 * ent.mean()
        opt.zero_grad()
        loss.backward()
        opt.step()


agent = Agent()
opt = torch.optim.Adam(agent.parameters(), lr=3e-4)
for it in range(100):
    ppo_update(agent, opt, rollout(agent, 64))
