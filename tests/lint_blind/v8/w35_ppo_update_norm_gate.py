# expect: TVL011
# style: CleanRL-like PPO on a toy continuous-control env, update() method on an agent class
# bug: PPOAgent.update() only calls optimizer.step() when the pre-clip gradient norm is below cfg.skip_grad_norm and otherwise drops the minibatch update without recording that it happened
import argparse
import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


@dataclass
class Cfg:
    total_steps: int = 200_000
    num_steps: int = 1024
    minibatches: int = 16
    update_epochs: int = 10
    gamma: float = 0.99
    lam: float = 0.95
    clip_coef: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    lr: float = 3e-4
    max_grad_norm: float = 0.5
    skip_grad_norm: float = 50.0


class PointEnv:
    def __init__(self):
        self.obs_dim, self.act_dim = 4, 2

    def reset(self):
        self.s = np.random.uniform(-1, 1, size=4).astype(np.float32)
        self.t = 0
        return self.s

    def step(self, a):
        self.s[:2] += 0.05 * np.clip(a, -1, 1)
        self.t += 1
        r = -float(np.linalg.norm(self.s[:2] - self.s[2:]))
        done = self.t >= 200
        return self.s.copy(), r, done


def layer(i, o, std=np.sqrt(2)):
    l = nn.Linear(i, o)
    nn.init.orthogonal_(l.weight, std)
    nn.init.zeros_(l.bias)
    return l


class PPOAgent(nn.Module):
    def __init__(self, obs_dim, act_dim, cfg):
        super().__init__()
        self.cfg = cfg
        self.critic = nn.Sequential(layer(obs_dim, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, 1, 1.0))
        self.actor = nn.Sequential(layer(obs_dim, 64), nn.Tanh(), layer(64, 64), nn.Tanh(), layer(64, act_dim, 0.01))
        self.log_std = nn.Parameter(torch.zeros(act_dim))
        self.optimizer = torch.optim.Adam(self.parameters(), lr=cfg.lr, eps=1e-5)

    def dist(self, obs):
        return Normal(self.actor(obs), self.log_std.exp())

    def value(self, obs):
        return self.critic(obs).squeeze(-1)

    def update(self, b_obs, b_act, b_logp, b_adv, b_ret):
        cfg = self.cfg
        n = b_obs.size(0)
        mb = n // cfg.minibatches
        for _ in range(cfg.update_epochs):
            perm = torch.randperm(n)
            for s in range(0, n, mb):
                idx = perm[s:s + mb]
                d = self.dist(b_obs[idx])
                logp = d.log_prob(b_act[idx]).sum(-1)
                ratio = (logp - b_logp[idx]).exp()
                adv = (b_adv[idx] - b_adv[idx].mean()) / (b_adv[idx].std() + 1e-8)
                pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - cfg.clip_coef, 1 + cfg.clip_coef)).mean()
                v_loss = 0.5 * (self.value(b_obs[idx]) - b_ret[idx]).pow(2).mean()
                loss = pg + cfg.vf_coef * v_loss - cfg.ent_coef * d.entropy().sum(-1).mean()
                self.optimizer.zero_grad()
                loss.backward()
                gnorm = nn.utils.clip_grad_norm_(self.parameters(), cfg.max_grad_norm)
                if gnorm < cfg.skip_grad_norm:
                    self.optimizer.step()
        return pg.item(), v_loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    cfg, env = Cfg(), PointEnv()
    agent = PPOAgent(env.obs_dim, env.act_dim, cfg)
    obs = torch.tensor(env.reset())
    start, ep_ret, returns = time.time(), 0.0, []
    for it in range(cfg.total_steps // cfg.num_steps):
        buf = {k: [] for k in ("obs", "act", "logp", "rew", "done", "val")}
        for _ in range(cfg.num_steps):
            with torch.no_grad():
                d = agent.dist(obs)
                act = d.sample()
                buf["logp"].append(d.log_prob(act).sum())
                buf["val"].append(agent.value(obs))
            nobs, r, done = env.step(act.numpy())
            for k, v in (("obs", obs), ("act", act), ("rew", r), ("done", done)):
                buf[k].append(v)
            ep_ret += r
            if done:
                returns.append(ep_ret)
                ep_ret, nobs = 0.0, env.reset()
            obs = torch.tensor(nobs)
        rew = torch.tensor(buf["rew"], dtype=torch.float32)
        dones = torch.tensor(buf["done"], dtype=torch.float32)
        vals = torch.stack(buf["val"])
        adv, last = torch.zeros_like(rew), 0.0
        with torch.no_grad():
            next_v = agent.value(obs)
        for t in reversed(range(cfg.num_steps)):
            nv = next_v if t == cfg.num_steps - 1 else vals[t + 1]
            delta = rew[t] + cfg.gamma * nv * (1 - dones[t]) - vals[t]
            last = delta + cfg.gamma * cfg.lam * (1 - dones[t]) * last
            adv[t] = last
        pg, vl = agent.update(torch.stack(buf["obs"]), torch.stack(buf["act"]), torch.stack(buf["logp"]), adv, adv + vals)
        if it % 10 == 0 and returns:
            print(f"iter {it} ret {np.mean(returns[-10:]):.2f} pg {pg:.3f} v {vl:.3f} sps {int((it + 1) * cfg.num_steps / (time.time() - start))}")
    torch.save(agent.state_dict(), "ppo_point.pt")


if __name__ == "__main__":
    main()
