# expect: TVL006
# style: CleanRL-like A2C with a shared trunk and two optimizers built by a helper
# bug: build_optimizers() gives the actor optimizer trunk+policy params and the critic optimizer model.parameters(), so the shared trunk is stepped by both optimizers
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ToyEnv:
    """Vectorised chain walk: reward 1 on reaching the right end."""

    def __init__(self, n_envs, length=10):
        self.n, self.L = n_envs, length
        self.pos = np.zeros(n_envs, dtype=np.int64)

    def obs(self):
        o = np.zeros((self.n, self.L), dtype=np.float32)
        o[np.arange(self.n), self.pos] = 1.0
        return o

    def reset(self):
        self.pos[:] = 0
        return self.obs()

    def step(self, actions):
        self.pos = np.clip(self.pos + np.where(actions == 1, 1, -1), 0, self.L - 1)
        done = self.pos == self.L - 1
        reward = done.astype(np.float32) - 0.01
        self.pos[done] = 0
        return self.obs(), reward, done


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions, hid=64):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, hid), nn.Tanh(), nn.Linear(hid, hid), nn.Tanh())
        self.policy = nn.Linear(hid, n_actions)
        self.value = nn.Linear(hid, 1)

    def forward(self, obs):
        h = self.trunk(obs)
        return self.policy(h), self.value(h).squeeze(-1)


def build_optimizers(agent, lr_actor, lr_critic):
    actor_params = list(agent.trunk.parameters()) + list(agent.policy.parameters())
    actor_opt = torch.optim.Adam(actor_params, lr=lr_actor, eps=1e-5)
    critic_opt = torch.optim.Adam(agent.parameters(), lr=lr_critic, eps=1e-5)
    return actor_opt, critic_opt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n-envs", type=int, default=16)
    ap.add_argument("--n-steps", type=int, default=5)
    ap.add_argument("--updates", type=int, default=3000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--ent-coef", type=float, default=0.01)
    args = ap.parse_args()

    env = ToyEnv(args.n_envs)
    agent = Agent(env.L, 2)
    actor_opt, critic_opt = build_optimizers(agent, 7e-4, 1e-3)
    obs = torch.from_numpy(env.reset())
    ep_rewards = []
    start = time.time()

    for update in range(args.updates):
        logps, values, rewards, dones, ents = [], [], [], [], []
        for _ in range(args.n_steps):
            logits, v = agent(obs)
            dist = Categorical(logits=logits)
            a = dist.sample()
            nobs, r, d = env.step(a.numpy())
            logps.append(dist.log_prob(a))
            ents.append(dist.entropy())
            values.append(v)
            rewards.append(torch.from_numpy(r))
            dones.append(torch.from_numpy(d.astype(np.float32)))
            obs = torch.from_numpy(nobs)
            ep_rewards.append(r.mean())
        with torch.no_grad():
            _, next_v = agent(obs)
        returns, R = [], next_v
        for r, d in zip(reversed(rewards), reversed(dones)):
            R = r + args.gamma * R * (1 - d)
            returns.insert(0, R)
        returns = torch.stack(returns)
        values = torch.stack(values)
        adv = (returns - values).detach()
        actor_loss = -(torch.stack(logps) * adv).mean() - args.ent_coef * torch.stack(ents).mean()
        critic_loss = 0.5 * (returns - values).pow(2).mean()

        actor_opt.zero_grad()
        critic_opt.zero_grad()
        (actor_loss + critic_loss).backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        actor_opt.step()
        critic_opt.step()

        if update % 200 == 0:
            sps = int(update * args.n_envs * args.n_steps / (time.time() - start + 1e-8))
            print(f"update {update} mean_r {np.mean(ep_rewards[-500:]):.4f} "
                  f"actor {actor_loss.item():.3f} critic {critic_loss.item():.3f} sps {sps}")


if __name__ == "__main__":
    main()
