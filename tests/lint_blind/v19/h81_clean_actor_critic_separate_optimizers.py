# expect: clean
# style: PPO-style continuous-control agent with separate actor/critic optimizers built by a factory
# note: two optimizers over one agent look like TVL006 (overlap/partial coverage), but the factory splits the parameters disjointly (actor + log_std vs critic) and together they cover every trainable parameter; the shared observation normalizer is a buffer
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal

log = logging.getLogger("ppo")


class RunningNorm(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.register_buffer("mean", torch.zeros(d))
        self.register_buffer("var", torch.ones(d))
        self.register_buffer("count", torch.tensor(1e-4))

    @torch.no_grad()
    def update(self, x):
        bm, bv, bc = x.mean(0), x.var(0, unbiased=False), x.size(0)
        delta = bm - self.mean
        tot = self.count + bc
        self.mean += delta * bc / tot
        self.var = (self.var * self.count + bv * bc + delta ** 2 * self.count * bc / tot) / tot
        self.count = tot

    def forward(self, x):
        return ((x - self.mean) / (self.var.sqrt() + 1e-8)).clamp(-10, 10)


class Agent(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.norm = RunningNorm(obs_dim)
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.log_std = nn.Parameter(torch.zeros(act_dim))
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def dist(self, obs):
        return Normal(self.actor(self.norm(obs)), self.log_std.exp())

    def value(self, obs):
        return self.critic(self.norm(obs)).squeeze(-1)


def build_optimizers(agent, cfg):
    actor_params = list(agent.actor.parameters()) + [agent.log_std]
    critic_params = list(agent.critic.parameters())
    covered = {id(p) for p in actor_params + critic_params}
    assert all(id(p) in covered for p in agent.parameters()), "some parameters have no optimizer"
    return (torch.optim.Adam(actor_params, lr=cfg["actor_lr"]),
            torch.optim.Adam(critic_params, lr=cfg["critic_lr"]))


class PointMassEnv:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = self.rng.uniform(-1, 1, 2)
        self.t = 0
        return self.pos.astype(np.float32)

    def step(self, a):
        self.pos = np.clip(self.pos + 0.05 * np.clip(a, -1, 1), -2, 2)
        self.t += 1
        return self.pos.astype(np.float32), -float(np.linalg.norm(self.pos)), self.t >= 200


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=300)
    ap.add_argument("--steps", type=int, default=2048)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    cfg = {"actor_lr": 3e-4, "critic_lr": 1e-3, "gamma": 0.99, "clip": 0.2, "epochs": 10, "mb": 256}
    env, agent = PointMassEnv(), Agent(2, 2)
    opt_actor, opt_critic = build_optimizers(agent, cfg)
    obs = env.reset()
    for it in range(args.iters):
        O, A, R, D, LP = [], [], [], [], []
        for _ in range(args.steps):
            o = torch.from_numpy(obs)
            with torch.no_grad():
                d = agent.dist(o)
                a = d.sample()
            obs, r, done = env.step(a.numpy())
            O.append(o); A.append(a); R.append(r); D.append(done); LP.append(d.log_prob(a).sum())
            if done:
                obs = env.reset()
        O, A, LP = torch.stack(O), torch.stack(A), torch.stack(LP)
        agent.norm.update(O)
        ret, G = [], 0.0
        for r, d in zip(reversed(R), reversed(D)):
            G = r + cfg["gamma"] * G * (1 - d)
            ret.append(G)
        ret = torch.tensor(ret[::-1], dtype=torch.float32)
        for _ in range(cfg["epochs"]):
            for idx in torch.randperm(len(O)).split(cfg["mb"]):
                with torch.no_grad():
                    adv = ret[idx] - agent.value(O[idx])
                    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
                ratio = (agent.dist(O[idx]).log_prob(A[idx]).sum(-1) - LP[idx]).exp()
                pi_loss = -torch.min(ratio * adv, ratio.clamp(1 - cfg["clip"], 1 + cfg["clip"]) * adv).mean()
                v_loss = (agent.value(O[idx]) - ret[idx]).pow(2).mean()
                opt_actor.zero_grad()
                pi_loss.backward()
                opt_actor.step()
                opt_critic.zero_grad()
                v_loss.backward()
                opt_critic.step()
        if it % 10 == 0:
            log.info("iter %d mean reward %.3f std %.3f", it, float(np.mean(R)), agent.log_std.exp().mean().item())
    torch.save(agent.state_dict(), "ppo_pointmass.pt")


if __name__ == "__main__":
    main()
