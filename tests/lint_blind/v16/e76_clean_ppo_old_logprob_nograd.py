# expect: clean
# style: CleanRL-like PPO with discrete actions, rollout under no_grad, minibatch update recomputing log-probs
# note: the rollout (actions, log-probs, values) is collected under torch.no_grad(), but the update re-runs the agent on the stored observations with gradients enabled, so the policy and value losses reach the network
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class GridEnv:
    def __init__(self, n_envs, size=6, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n, self.size = n_envs, size
        self.pos = self.rng.integers(0, size, (n_envs, 2))

    def obs(self):
        o = np.zeros((self.n, 2 * self.size), np.float32)
        o[np.arange(self.n), self.pos[:, 0]] = 1
        o[np.arange(self.n), self.size + self.pos[:, 1]] = 1
        return o

    def step(self, a):
        moves = np.array([[0, 1], [1, 0], [0, -1], [-1, 0]])
        self.pos = np.clip(self.pos + moves[a], 0, self.size - 1)
        done = (self.pos == self.size - 1).all(1)
        r = done.astype(np.float32) - 0.01
        self.pos[done] = self.rng.integers(0, self.size, (done.sum(), 2))
        return self.obs(), r, done


class Agent(nn.Module):
    def __init__(self, obs_dim, n_act):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_act))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-envs", type=int, default=8)
    ap.add_argument("--num-steps", type=int, default=128)
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatches", type=int, default=4)
    ap.add_argument("--clip", type=float, default=0.2)
    args = ap.parse_args()
    env = GridEnv(args.num_envs)
    obs_dim = 2 * env.size
    agent = Agent(obs_dim, 4)
    opt = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    N, E = args.num_steps, args.num_envs
    obs_b = torch.zeros(N, E, obs_dim); act_b = torch.zeros(N, E, dtype=torch.long)
    logp_b = torch.zeros(N, E); rew_b = torch.zeros(N, E); done_b = torch.zeros(N, E); val_b = torch.zeros(N, E)
    next_obs, next_done = torch.tensor(env.obs()), torch.zeros(E)
    t0 = time.time()
    for update in range(args.updates):
        for step in range(N):
            obs_b[step], done_b[step] = next_obs, next_done
            with torch.no_grad():
                action, logp, _, value = agent.get_action_and_value(next_obs)
            act_b[step], logp_b[step], val_b[step] = action, logp, value
            o, r, d = env.step(action.numpy())
            rew_b[step] = torch.tensor(r)
            next_obs, next_done = torch.tensor(o), torch.tensor(d, dtype=torch.float32)
        with torch.no_grad():
            next_value = agent.get_value(next_obs)
            adv = torch.zeros_like(rew_b)
            last = 0
            for t in reversed(range(N)):
                nv = next_value if t == N - 1 else val_b[t + 1]
                nd = next_done if t == N - 1 else done_b[t + 1]
                delta = rew_b[t] + 0.99 * nv * (1 - nd) - val_b[t]
                adv[t] = last = delta + 0.99 * 0.95 * (1 - nd) * last
            ret = adv + val_b
        b_obs, b_act, b_logp = obs_b.view(-1, obs_dim), act_b.view(-1), logp_b.view(-1)
        b_adv, b_ret = adv.view(-1), ret.view(-1)
        mb = N * E // args.minibatches
        for _ in range(args.epochs):
            perm = torch.randperm(N * E)
            for s in range(0, N * E, mb):
                idx = perm[s:s + mb]
                _, newlogp, ent, newv = agent.get_action_and_value(b_obs[idx], b_act[idx])
                ratio = (newlogp - b_logp[idx]).exp()
                a = (b_adv[idx] - b_adv[idx].mean()) / (b_adv[idx].std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                vl = 0.5 * (newv - b_ret[idx]).pow(2).mean()
                loss = pg + 0.5 * vl - 0.01 * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                opt.step()
        if update % 20 == 0:
            print(f"update {update} mean reward {rew_b.mean().item():.4f} v_loss {vl.item():.4f} "
                  f"sps {int((update + 1) * N * E / (time.time() - t0))}")
