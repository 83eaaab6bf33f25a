# expect: TVL001
# style: CleanRL-like single-file A2C on a toy environment, inline
# bug: the actor logits used in the policy loss are computed inside the no_grad rollout block; only the critic term carries gradients so the policy head never updates
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ToyEnv:
    def __init__(self, n_envs, obs_dim=8, n_actions=4, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n, self.obs_dim, self.n_actions = n_envs, obs_dim, n_actions
        self.state = self.rng.normal(size=(n_envs, obs_dim)).astype(np.float32)

    def step(self, actions):
        reward = (actions == (self.state[:, 0] > 0).astype(np.int64)).astype(np.float32)
        self.state = self.rng.normal(size=(self.n, self.obs_dim)).astype(np.float32)
        done = self.rng.random(self.n) < 0.05
        return self.state, reward, done


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.pi = nn.Linear(64, n_actions)
        self.v = nn.Linear(64, 1)

    def forward(self, obs):
        h = self.body(obs)
        return self.pi(h), self.v(h).squeeze(-1)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--num-envs", type=int, default=16)
    parser.add_argument("--num-steps", type=int, default=5)
    parser.add_argument("--total-timesteps", type=int, default=200_000)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--lr", type=float, default=7e-4)
    parser.add_argument("--ent-coef", type=float, default=0.01)
    parser.add_argument("--vf-coef", type=float, default=0.5)
    args = parser.parse_args()

    env = ToyEnv(args.num_envs)
    agent = ActorCritic(env.obs_dim, env.n_actions)
    optimizer = torch.optim.RMSprop(agent.parameters(), lr=args.lr, alpha=0.99, eps=1e-5)
    obs = torch.tensor(env.state)
    num_updates = args.total_timesteps // (args.num_envs * args.num_steps)
    start = time.time()
    ep_returns = []
    running = np.zeros(args.num_envs)

    for update in range(num_updates):
        logps, ents, obs_buf, rews, dones = [], [], [], [], []
        with torch.no_grad():
            for t in range(args.num_steps):
                logits, _ = agent(obs)
                dist = Categorical(logits=logits)
                action = dist.sample()
                logps.append(dist.log_prob(action))
                ents.append(dist.entropy())
                obs_buf.append(obs)
                nxt, r, d = env.step(action.numpy())
                running += r
                for i in np.where(d)[0]:
                    ep_returns.append(running[i])
                    running[i] = 0
                rews.append(torch.tensor(r))
                dones.append(torch.tensor(d, dtype=torch.float32))
                obs = torch.tensor(nxt)
            _, next_value = agent(obs)
            returns = []
            R = next_value
            for r, d in zip(reversed(rews), reversed(dones)):
                R = r + args.gamma * R * (1 - d)
                returns.insert(0, R)

        returns = torch.stack(returns)
        logps = torch.stack(logps)
        ents = torch.stack(ents)
        _, values = agent(torch.stack(obs_buf).view(-1, env.obs_dim))
        values = values.view(args.num_steps, args.num_envs)
        adv = returns - values.detach()
        pg_loss = -(logps * adv).mean()
        v_loss = (returns - values).pow(2).mean()
        loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * ents.mean()

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        optimizer.step()

        if update % 100 == 0 and ep_returns:
            sps = int((update + 1) * args.num_envs * args.num_steps / (time.time() - start))
            print(f"update={update} return={np.mean(ep_returns[-50:]):.2f} v_loss={v_loss.item():.3f} sps={sps}")
