# expect: TVL009
# style: CleanRL-style PPO for a continuous toy control task, agent class + update function
# bug: Agent.get_value returns critic output of shape (B, 1) from nn.Linear(64, 1) and ppo_update computes F.mse_loss(new_values, b_returns) with b_returns of shape (B,), broadcasting to (B, B).
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal


class PointMass:
    """1-D point mass that should reach x=0."""

    def __init__(self, max_steps=200):
        self.max_steps = max_steps

    def reset(self):
        self.x, self.v, self.t = np.random.uniform(-2, 2), 0.0, 0
        return np.array([self.x, self.v], dtype=np.float32)

    def step(self, a):
        a = float(np.clip(a, -1, 1))
        self.v = 0.9 * self.v + 0.1 * a
        self.x += self.v
        self.t += 1
        r = -abs(self.x) - 0.01 * a * a
        done = self.t >= self.max_steps
        return np.array([self.x, self.v], dtype=np.float32), r, done


def layer_init(layer, std=np.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim=2, act_dim=1):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
                                    layer_init(nn.Linear(64, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), 1.0))
        self.actor_mean = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
                                        layer_init(nn.Linear(64, 64)), nn.Tanh(), layer_init(nn.Linear(64, act_dim), 0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        mean = self.actor_mean(x)
        dist = Normal(mean, self.actor_logstd.expand_as(mean).exp())
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action).sum(1), dist.entropy().sum(1), self.get_value(x)


def ppo_update(agent, optimizer, b, args):
    idx = np.arange(len(b["obs"]))
    for _ in range(args.update_epochs):
        np.random.shuffle(idx)
        for start in range(0, len(idx), args.minibatch):
            mb = idx[start:start + args.minibatch]
            _, newlogp, ent, new_values = agent.get_action_and_value(b["obs"][mb], b["actions"][mb])
            ratio = (newlogp - b["logp"][mb]).exp()
            adv = b["adv"][mb]
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
            pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
            v_loss = 0.5 * F.mse_loss(new_values, b["returns"][mb])
            loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * ent.mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            optimizer.step()
    return pg_loss.item(), v_loss.item()


def rollout(env, agent, n_steps, gamma, lam):
    obs_l, act_l, logp_l, rew_l, val_l, done_l = [], [], [], [], [], []
    obs = env.reset()
    for _ in range(n_steps):
        o = torch.as_tensor(obs).unsqueeze(0)
        with torch.no_grad():
            a, logp, _, v = agent.get_action_and_value(o)
        obs, r, done = env.step(a.item())
        obs_l.append(o[0]); act_l.append(a[0]); logp_l.append(logp[0]); val_l.append(v.item())
        rew_l.append(r); done_l.append(done)
        if done:
            obs = env.reset()
    adv = np.zeros(n_steps, dtype=np.float32)
    last = 0.0
    for t in reversed(range(n_steps)):
        nv = 0.0 if (t == n_steps - 1 or done_l[t]) else val_l[t + 1]
        delta = rew_l[t] + gamma * nv - val_l[t]
        last = delta + gamma * lam * (0.0 if done_l[t] else last)
        adv[t] = last
    adv_t = torch.tensor(adv)
    return {"obs": torch.stack(obs_l), "actions": torch.stack(act_l), "logp": torch.stack(logp_l),
            "adv": adv_t, "returns": adv_t + torch.tensor(val_l), "rew": float(np.sum(rew_l))}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--n-steps", type=int, default=2048)
    ap.add_argument("--minibatch", type=int, default=64)
    ap.add_argument("--update-epochs", type=int, default=10)
    ap.add_argument("--clip", type=float, default=0.2)
    ap.add_argument("--vf-coef", type=float, default=0.5)
    ap.add_argument("--ent-coef", type=float, default=0.0)
    args = ap.parse_args()
    env, agent = PointMass(), Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    t0 = time.time()
    for it in range(args.iterations):
        batch = rollout(env, agent, args.n_steps, 0.99, 0.95)
        pg, vl = ppo_update(agent, optimizer, batch, args)
        print(f"it {it} reward {batch['rew']:.1f} pg {pg:.3f} v {vl:.3f} t {time.time() - t0:.0f}s")
