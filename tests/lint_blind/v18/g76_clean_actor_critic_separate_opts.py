# expect: clean
# style: DDPG-style continuous control with separate actor/critic optimizers and target networks
# note: two optimizers are used on one agent, which looks like TVL006, but their parameter sets are disjoint (actor vs critic); the actor loss backpropagates into the critic too, but critic grads are cleared by critic_opt.zero_grad() before its own backward.
import argparse
import copy
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class PointMass:
    """1-D point mass; action is a force in [-1, 1]; reward is -distance to origin."""

    def reset(self):
        self.x, self.v, self.t = np.random.uniform(-1, 1), 0.0, 0
        return np.array([self.x, self.v], dtype=np.float32)

    def step(self, a):
        self.v = 0.9 * self.v + 0.1 * float(a)
        self.x += self.v
        self.t += 1
        return np.array([self.x, self.v], dtype=np.float32), -abs(self.x), self.t >= 100


class Actor(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1), nn.Tanh())

    def forward(self, s):
        return self.net(s)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(3, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, s, a):
        return self.net(torch.cat([s, a], -1))


def soft_update(target, source, tau):
    with torch.no_grad():
        for t, s in zip(target.parameters(), source.parameters()):
            t.mul_(1 - tau).add_(s, alpha=tau)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=200)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--tau", type=float, default=0.005)
    args = ap.parse_args()

    env = PointMass()
    actor, critic = Actor(), Critic()
    actor_t, critic_t = copy.deepcopy(actor), copy.deepcopy(critic)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=1e-3)
    critic_opt = torch.optim.Adam(critic.parameters(), lr=1e-3)
    buffer = deque(maxlen=50000)

    for ep in range(args.episodes):
        s, done, ret = env.reset(), False, 0.0
        while not done:
            with torch.no_grad():
                a = actor(torch.from_numpy(s)).numpy() + 0.1 * np.random.randn(1)
            a = np.clip(a, -1, 1).astype(np.float32)
            s2, r, done = env.step(a[0])
            buffer.append((s, a, r, s2, float(done)))
            s, ret = s2, ret + r
            if len(buffer) < 256:
                continue
            S, A, R, S2, D = map(np.array, zip(*random.sample(buffer, 128)))
            S, A, S2 = torch.tensor(S), torch.tensor(A), torch.tensor(S2)
            R, D = torch.tensor(R, dtype=torch.float32).unsqueeze(1), torch.tensor(D, dtype=torch.float32).unsqueeze(1)

            with torch.no_grad():
                y = R + args.gamma * (1 - D) * critic_t(S2, actor_t(S2))
            critic_loss = F.mse_loss(critic(S, A), y)
            critic_opt.zero_grad()
            critic_loss.backward()
            critic_opt.step()

            actor_loss = -critic(S, actor(S)).mean()
            actor_opt.zero_grad()
            actor_loss.backward()
            actor_opt.step()

            soft_update(actor_t, actor, args.tau)
            soft_update(critic_t, critic, args.tau)
        if ep % 20 == 0:
            print(f"episode {ep} return {ret:.2f}")
    torch.save({"actor": actor.state_dict(), "critic": critic.state_dict()}, "ddpg_pointmass.pt")


if __name__ == "__main__":
    main()
