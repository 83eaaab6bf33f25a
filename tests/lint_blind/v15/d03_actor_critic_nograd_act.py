# expect: TVL001
# style: CleanRL-like single-file actor-critic with separate actor and critic nets
# bug: log-probs are taken from act(), which is decorated with @torch.no_grad(), and reused in the policy loss; only the critic's value loss carries a graph, so the actor never learns
import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


@dataclass
class Args:
    total_steps: int = 50_000
    rollout_len: int = 128
    gamma: float = 0.99
    lr: float = 7e-4
    ent_coef: float = 0.01
    vf_coef: float = 0.5
    seed: int = 1


class ToyEnv:
    """Corridor env: move left/right, reward at the right end."""

    def __init__(self, size=10, seed=0):
        self.size = size
        self.rng = np.random.default_rng(seed)
        self.pos = 0

    def reset(self):
        self.pos = int(self.rng.integers(0, self.size // 2))
        return self._obs()

    def _obs(self):
        o = np.zeros(self.size, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, a):
        self.pos = max(0, min(self.size - 1, self.pos + (1 if a == 1 else -1)))
        done = self.pos == self.size - 1
        return self._obs(), (1.0 if done else -0.01), done


def mlp(inp, out, hidden=64):
    return nn.Sequential(nn.Linear(inp, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, out))


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.actor = mlp(obs_dim, n_actions)
        self.critic = mlp(obs_dim, 1)

    def value(self, obs):
        return self.critic(obs).squeeze(-1)

    @torch.no_grad()
    def act(self, obs):
        dist = Categorical(logits=self.actor(obs))
        a = dist.sample()
        return a, dist.log_prob(a), dist.entropy()


def discounted_returns(rewards, dones, last_value, gamma):
    out = []
    running = last_value
    for r, d in zip(reversed(rewards), reversed(dones)):
        running = r + gamma * running * (1.0 - d)
        out.append(running)
    return torch.tensor(out[::-1], dtype=torch.float32)


def collect(env, agent, obs, n):
    obs_buf, logp_buf, ent_buf, rew_buf, done_buf = [], [], [], [], []
    for _ in range(n):
        o = torch.as_tensor(obs)
        a, logp, ent = agent.act(o)
        nxt, r, done = env.step(int(a))
        obs_buf.append(o)
        logp_buf.append(logp)
        ent_buf.append(ent)
        rew_buf.append(r)
        done_buf.append(float(done))
        obs = env.reset() if done else nxt
    return obs, torch.stack(obs_buf), torch.stack(logp_buf), torch.stack(ent_buf), rew_buf, done_buf


def main():
    args = Args()
    parser = argparse.ArgumentParser()
    parser.add_argument("--total-steps", type=int, default=args.total_steps)
    args.total_steps = parser.parse_args().total_steps
    torch.manual_seed(args.seed)

    env = ToyEnv(seed=args.seed)
    agent = Agent(env.size, 2)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr)

    obs = env.reset()
    n_updates = args.total_steps // args.rollout_len
    t0 = time.time()
    for update in range(n_updates):
        obs, obs_b, logp_b, ent_b, rews, dones = collect(env, agent, obs, args.rollout_len)
        with torch.no_grad():
            last_v = agent.value(torch.as_tensor(obs)).item()
        returns = discounted_returns(rews, dones, last_v, args.gamma)

        values = agent.value(obs_b)
        adv = (returns - values.detach())
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)

        policy_loss = -(logp_b * adv).mean()
        value_loss = F.mse_loss(values, returns)
        entropy = ent_b.mean()
        loss = policy_loss + args.vf_coef * value_loss - args.ent_coef * entropy

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        optimizer.step()

        if update % 20 == 0:
            sps = int((update + 1) * args.rollout_len / (time.time() - t0))
            print(f"update {update} pi {policy_loss.item():.3f} v {value_loss.item():.3f} "
                  f"ent {entropy.item():.3f} ret {sum(rews):.2f} sps {sps}")

    torch.save(agent.state_dict(), "a2c_corridor.pt")


if __name__ == "__main__":
    main()
