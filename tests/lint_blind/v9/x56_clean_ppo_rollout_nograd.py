# expect: clean
# style: CleanRL-like PPO for discrete actions with rollout under torch.no_grad()
# note: the agent runs under no_grad while collecting the rollout, but the update recomputes log-probs and values with autograd on, so the PPO loss reaches the network.
import random
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


@dataclass
class Args:
    seed: int = 0
    num_envs: int = 8
    num_steps: int = 128
    total_updates: int = 200
    lr: float = 2.5e-4
    gamma: float = 0.99
    gae_lambda: float = 0.95
    clip: float = 0.2
    epochs: int = 4
    minibatches: int = 4
    obs_dim: int = 4
    n_actions: int = 2


class VecToyEnv:
    def __init__(self, n, obs_dim):
        self.n, self.obs_dim = n, obs_dim

    def reset(self):
        return np.random.randn(self.n, self.obs_dim).astype(np.float32)

    def step(self, actions):
        obs = np.random.randn(self.n, self.obs_dim).astype(np.float32)
        rew = (actions == (obs[:, 0] > 0)).astype(np.float32)
        done = np.random.rand(self.n) < 0.01
        return obs, rew, done


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.pi = nn.Linear(64, n_actions)
        self.v = nn.Linear(64, 1)

    def get_action_and_value(self, obs, action=None):
        h = self.body(obs)
        dist = Categorical(logits=self.pi(h))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.v(h).squeeze(-1)


def main(args=Args()):
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    env = VecToyEnv(args.num_envs, args.obs_dim)
    agent = Agent(args.obs_dim, args.n_actions)
    opt = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    S, N = args.num_steps, args.num_envs
    obs_buf = torch.zeros(S, N, args.obs_dim)
    act_buf, logp_buf, rew_buf, done_buf, val_buf = (torch.zeros(S, N) for _ in range(5))
    next_obs = torch.from_numpy(env.reset())
    for update in range(args.total_updates):
        for t in range(S):
            obs_buf[t] = next_obs
            with torch.no_grad():
                a, logp, _, v = agent.get_action_and_value(next_obs)
            act_buf[t], logp_buf[t], val_buf[t] = a, logp, v
            o, r, d = env.step(a.numpy())
            next_obs, rew_buf[t], done_buf[t] = torch.from_numpy(o), torch.from_numpy(r), torch.from_numpy(d.astype(np.float32))
        with torch.no_grad():
            next_v = agent.get_action_and_value(next_obs)[3]
            adv = torch.zeros(S, N)
            last = 0
            for t in reversed(range(S)):
                nv = next_v if t == S - 1 else val_buf[t + 1]
                delta = rew_buf[t] + args.gamma * nv * (1 - done_buf[t]) - val_buf[t]
                last = delta + args.gamma * args.gae_lambda * (1 - done_buf[t]) * last
                adv[t] = last
            ret = adv + val_buf
        b_obs, b_act, b_logp = obs_buf.reshape(-1, args.obs_dim), act_buf.reshape(-1), logp_buf.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), ret.reshape(-1)
        idx = np.arange(S * N)
        mb = S * N // args.minibatches
        for _ in range(args.epochs):
            np.random.shuffle(idx)
            for s in range(0, S * N, mb):
                j = torch.as_tensor(idx[s:s + mb])
                _, new_logp, ent, new_v = agent.get_action_and_value(b_obs[j], b_act[j].long())
                ratio = (new_logp - b_logp[j]).exp()
                a_n = (b_adv[j] - b_adv[j].mean()) / (b_adv[j].std() + 1e-8)
                pg = torch.max(-a_n * ratio, -a_n * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                loss = pg + 0.5 * (new_v - b_ret[j]).pow(2).mean() - 0.01 * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                opt.step()
        if update % 20 == 0:
            print(f"update {update} mean reward {rew_buf.mean().item():.3f} loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
