# expect: TVL001
# style: CleanRL-like single-file RL script, advantage actor-critic on a toy env
# bug: evaluate_actions is decorated with @torch.no_grad() (copied from the rollout helper) and is the only source of log-probs and values for the loss that is backpropagated.
import argparse
import random

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ToyChainEnv:
    def __init__(self, n_states=8):
        self.n = n_states
        self.s = 0

    def reset(self):
        self.s = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.s] = 1.0
        return o

    def step(self, a):
        self.s = min(self.s + 1, self.n - 1) if a == 1 else max(self.s - 1, 0)
        done = self.s == self.n - 1
        return self._obs(), float(done), done


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, n_actions)
        self.v = nn.Linear(hidden, 1)

    def forward(self, obs):
        h = self.body(obs)
        return self.pi(h), self.v(h).squeeze(-1)


@torch.no_grad()
def act(agent, obs):
    logits, value = agent(torch.as_tensor(obs).unsqueeze(0))
    dist = Categorical(logits=logits)
    a = dist.sample()
    return a.item(), value.item()


@torch.no_grad()
def evaluate_actions(agent, obs, actions):
    logits, values = agent(obs)
    dist = Categorical(logits=logits)
    return dist.log_prob(actions), dist.entropy(), values


def discounted_returns(rewards, dones, gamma):
    out, running = [], 0.0
    for r, d in zip(reversed(rewards), reversed(dones)):
        running = r + gamma * running * (1.0 - d)
        out.append(running)
    return torch.tensor(list(reversed(out)), dtype=torch.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--updates", type=int, default=300)
    p.add_argument("--rollout", type=int, default=64)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    random.seed(args.seed); np.random.seed(args.seed); torch.manual_seed(args.seed)

    env = ToyChainEnv()
    agent = ActorCritic(env.n, 2)
    opt = torch.optim.Adam(agent.parameters(), lr=7e-4)
    obs = env.reset()
    for update in range(args.updates):
        obs_buf, act_buf, rew_buf, done_buf = [], [], [], []
        for _ in range(args.rollout):
            a, _ = act(agent, obs)
            nxt, r, d = env.step(a)
            obs_buf.append(obs); act_buf.append(a); rew_buf.append(r); done_buf.append(float(d))
            obs = env.reset() if d else nxt
        returns = discounted_returns(rew_buf, done_buf, args.gamma)
        obs_t = torch.as_tensor(np.stack(obs_buf))
        act_t = torch.as_tensor(act_buf)
        logp, ent, values = evaluate_actions(agent, obs_t, act_t)
        adv = returns - values
        loss = -(logp * adv).mean() + 0.5 * adv.pow(2).mean() - 0.01 * ent.mean()
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        opt.step()
        if update % 50 == 0:
            print(update, "loss", loss.item(), "mean return", returns.mean().item())


if __name__ == "__main__":
    main()
