# expect: clean
# style: PPO with a RolloutBuffer class and an Agent whose act() is decorated with @torch.no_grad(); continuous actions
# note: act() runs the policy under no_grad and its log-probs are stored — but they are only the "old" log-probs for the ratio; the loss is rebuilt from agent.evaluate() with grad, and the value head output is flattened before the MSE against (B,) returns
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


class ReachEnv:
    """Move a point to a target in 2-D; action = velocity."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = self.rng.uniform(-1, 1, 2)
        self.goal = self.rng.uniform(-1, 1, 2)
        self.t = 0
        return self._obs()

    def _obs(self):
        return np.concatenate([self.pos, self.goal - self.pos]).astype(np.float32)

    def step(self, a):
        self.pos = np.clip(self.pos + 0.1 * np.clip(a, -1, 1), -2, 2)
        self.t += 1
        dist = np.linalg.norm(self.goal - self.pos)
        done = dist < 0.05 or self.t >= 100
        return self._obs(), -dist, done


class Agent(nn.Module):
    def __init__(self, obs_dim=4, act_dim=2, hidden=64):
        super().__init__()
        self.pi = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, act_dim))
        self.v = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(), nn.Linear(hidden, 1))
        self.log_std = nn.Parameter(torch.full((act_dim,), -0.5))

    def dist(self, obs):
        return Normal(self.pi(obs), self.log_std.exp())

    @torch.no_grad()
    def act(self, obs):
        d = self.dist(obs)
        a = d.sample()
        return a, d.log_prob(a).sum(-1), self.v(obs).view(-1)

    def evaluate(self, obs, actions):
        d = self.dist(obs)
        return d.log_prob(actions).sum(-1), d.entropy().sum(-1), self.v(obs).view(-1)


class RolloutBuffer:
    def __init__(self):
        self.obs, self.act, self.logp, self.rew, self.done, self.val = [], [], [], [], [], []

    def add(self, o, a, lp, r, d, v):
        for lst, x in zip((self.obs, self.act, self.logp, self.rew, self.done, self.val), (o, a, lp, r, d, v)):
            lst.append(x)

    def compute(self, last_val, gamma=0.99, lam=0.95):
        rew = torch.tensor(self.rew, dtype=torch.float32)
        done = torch.tensor(self.done, dtype=torch.float32)
        val = torch.cat(self.val)
        adv = torch.zeros_like(rew)
        gae = 0.0
        for t in reversed(range(len(rew))):
            nv = last_val if t == len(rew) - 1 else val[t + 1]
            delta = rew[t] + gamma * nv * (1 - done[t]) - val[t]
            gae = delta + gamma * lam * (1 - done[t]) * gae
            adv[t] = gae
        return torch.stack(self.obs), torch.stack(self.act), torch.cat(self.logp), adv, adv + val


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--horizon", type=int, default=2048)
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--mb", type=int, default=256)
    args = ap.parse_args()
    torch.manual_seed(0)
    env, agent = ReachEnv(), Agent()
    opt = torch.optim.Adam(agent.parameters(), lr=3e-4)
    obs = torch.from_numpy(env.reset())
    for it in range(args.iters):
        buf, ep_rets, ret = RolloutBuffer(), [], 0.0
        for _ in range(args.horizon):
            a, lp, v = agent.act(obs)
            o2, r, d = env.step(a.numpy())
            buf.add(obs, a, lp.view(1), r, float(d), v)
            ret += r
            if d:
                ep_rets.append(ret)
                ret, o2 = 0.0, env.reset()
            obs = torch.from_numpy(o2)
        _, _, last_v = agent.act(obs)
        b_obs, b_act, b_logp, b_adv, b_ret = buf.compute(last_v.item())
        b_adv = (b_adv - b_adv.mean()) / (b_adv.std() + 1e-8)
        for _ in range(args.epochs):
            for idx in torch.randperm(args.horizon).split(args.mb):
                logp, ent, v = agent.evaluate(b_obs[idx], b_act[idx])
                ratio = (logp - b_logp[idx]).exp()
                pg = -torch.min(ratio * b_adv[idx], ratio.clamp(0.8, 1.2) * b_adv[idx]).mean()
                v_loss = ((v - b_ret[idx]) ** 2).mean()
                loss = pg + 0.5 * v_loss - 0.001 * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                opt.step()
        if it % 10 == 0 and ep_rets:
            print(f"iter {it} mean_ep_return {np.mean(ep_rets):.2f} v_loss {v_loss.item():.3f}")
    torch.save(agent.state_dict(), "ppo_reach.pt")


if __name__ == "__main__":
    main()
