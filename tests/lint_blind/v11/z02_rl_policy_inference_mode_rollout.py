# expect: TVL001
# style: CleanRL-like REINFORCE on a toy bandit-env, single file
# bug: the policy's log-probs used in the policy-gradient loss are computed inside torch.inference_mode() during the rollout, and that is the only path from the policy to the loss
import random
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ToyEnv:
    def __init__(self, n_obs=8, n_act=4, horizon=32):
        self.n_obs, self.n_act, self.horizon = n_obs, n_act, horizon
        self.t = 0
        self.w = np.random.randn(n_obs, n_act)

    def reset(self):
        self.t = 0
        self.s = np.random.randn(self.n_obs).astype(np.float32)
        return self.s

    def step(self, a):
        r = float(self.s @ self.w[:, a])
        self.t += 1
        self.s = np.random.randn(self.n_obs).astype(np.float32)
        return self.s, r, self.t >= self.horizon


class Policy(nn.Module):
    def __init__(self, n_obs, n_act, hidden=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, hidden), nn.Tanh(), nn.Linear(hidden, n_act))

    def forward(self, obs):
        return Categorical(logits=self.net(obs))


def discount(rewards, gamma):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    return torch.tensor(out[::-1], dtype=torch.float32)


if __name__ == "__main__":
    seed, gamma, lr, n_updates = 1, 0.99, 1e-3, 200
    random.seed(seed); np.random.seed(seed); torch.manual_seed(seed)
    env = ToyEnv()
    policy = Policy(env.n_obs, env.n_act)
    optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
    start = time.time()

    for update in range(n_updates):
        obs = env.reset()
        logps, rewards = [], []
        done = False
        with torch.inference_mode():
            while not done:
                dist = policy(torch.as_tensor(obs))
                action = dist.sample()
                logps.append(dist.log_prob(action))
                obs, r, done = env.step(action.item())
                rewards.append(r)

        returns = discount(rewards, gamma)
        returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        logp = torch.stack(logps).clone().requires_grad_(True)
        loss = -(logp * returns).sum()

        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if update % 20 == 0:
            print(f"update={update} return={sum(rewards):.2f} loss={loss.item():.3f} "
                  f"sps={int(update * env.horizon / (time.time() - start + 1e-9))}")
