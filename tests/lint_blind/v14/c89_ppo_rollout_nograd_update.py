# expect: clean
# style: CleanRL-style PPO on a toy continuous-control task, rollout under no_grad and minibatch update
# note: the policy/value forward runs under torch.no_grad() during rollout and stored values/log-probs are detached, but the update phase re-evaluates the policy with grad on the stored observations
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


class PointMass:
    """Move a point to the origin; obs = (x, y, vx, vy), action = 2-D force."""

    def __init__(self, n):
        self.n = n
        self.s = np.zeros((n, 4), dtype=np.float32)

    def reset(self):
        self.s = np.random.uniform(-1, 1, (self.n, 4)).astype(np.float32)
        return self.s.copy()

    def step(self, a):
        a = np.clip(a, -1, 1)
        self.s[:, 2:] = 0.9 * self.s[:, 2:] + 0.1 * a
        self.s[:, :2] += 0.1 * self.s[:, 2:]
        r = -np.linalg.norm(self.s[:, :2], axis=1) - 0.01 * (a ** 2).sum(1)
        done = np.random.rand(self.n) < 0.005
        self.s[done] = np.random.uniform(-1, 1, (done.sum(), 4))
        return self.s.copy(), r.astype(np.float32), done


class Agent(nn.Module):
    def __init__(self):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor_mean = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 2))
        self.actor_logstd = nn.Parameter(torch.zeros(1, 2))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        mean = self.actor_mean(x)
        dist = Normal(mean, self.actor_logstd.expand_as(mean).exp())
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action).sum(1), dist.entropy().sum(1), self.get_value(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-envs", type=int, default=8)
    ap.add_argument("--num-steps", type=int, default=128)
    ap.add_argument("--updates", type=int, default=300)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatches", type=int, default=4)
    args = ap.parse_args()
    env = PointMass(args.num_envs)
    agent = Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    S, N = args.num_steps, args.num_envs
    obs_buf = torch.zeros(S, N, 4)
    act_buf, logp_buf = torch.zeros(S, N, 2), torch.zeros(S, N)
    rew_buf, done_buf, val_buf = torch.zeros(S, N), torch.zeros(S, N), torch.zeros(S, N)
    next_obs = torch.from_numpy(env.reset())
    start = time.time()
    for update in range(args.updates):
        for t in range(S):
            obs_buf[t] = next_obs
            with torch.no_grad():
                a, logp, _, v = agent.get_action_and_value(next_obs)
            act_buf[t], logp_buf[t], val_buf[t] = a, logp, v
            o, r, d = env.step(a.numpy())
            rew_buf[t], done_buf[t] = torch.from_numpy(r), torch.from_numpy(d.astype(np.float32))
            next_obs = torch.from_numpy(o)
        with torch.no_grad():
            next_v = agent.get_value(next_obs)
            adv = torch.zeros(S, N)
            last = 0
            for t in reversed(range(S)):
                nv = next_v if t == S - 1 else val_buf[t + 1]
                delta = rew_buf[t] + 0.99 * nv * (1 - done_buf[t]) - val_buf[t]
                last = delta + 0.99 * 0.95 * (1 - done_buf[t]) * last
                adv[t] = last
            ret = adv + val_buf
        b_obs, b_act, b_logp = obs_buf.reshape(-1, 4), act_buf.reshape(-1, 2), logp_buf.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), ret.reshape(-1)
        mb = S * N // args.minibatches
        for _ in range(args.epochs):
            perm = torch.randperm(S * N)
            for i in range(0, S * N, mb):
                idx = perm[i:i + mb]
                _, new_logp, ent, new_v = agent.get_action_and_value(b_obs[idx], b_act[idx])
                ratio = (new_logp - b_logp[idx]).exp()
                a_n = (b_adv[idx] - b_adv[idx].mean()) / (b_adv[idx].std() + 1e-8)
                pg = torch.max(-a_n * ratio, -a_n * ratio.clamp(0.8, 1.2)).mean()
                v_loss = 0.5 * (new_v - b_ret[idx]).pow(2).mean()
                loss = pg + 0.5 * v_loss - 0.0 * ent.mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        if update % 20 == 0:
            print(f"update {update} mean reward {rew_buf.mean().item():.4f} v_loss {v_loss.item():.4f} "
                  f"sps {int((update + 1) * S * N / (time.time() - start))}")


if __name__ == "__main__":
    main()
