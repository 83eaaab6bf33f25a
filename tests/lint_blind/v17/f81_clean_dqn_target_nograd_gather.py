# expect: clean
# style: CleanRL-style DQN on a toy bandit-grid environment with replay buffer and target network
# note: the target network's Q-values are computed under torch.no_grad() (only the online network is trained, outside no_grad), and gather(...).squeeze(1) makes the prediction (B,) to match the (B,) TD target.
import argparse
import copy
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Corridor:
    def __init__(self, n=10):
        self.n = n

    def reset(self):
        self.pos, self.t = 0, 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, np.float32)
        o[self.pos] = 1
        return o

    def step(self, a):
        self.pos = max(0, min(self.n - 1, self.pos + (1 if a == 1 else -1)))
        self.t += 1
        done = self.pos == self.n - 1 or self.t >= 50
        return self._obs(), (1.0 if self.pos == self.n - 1 else -0.01), done


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_act):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, n_act))

    def forward(self, x):
        return self.net(x)


def linear_schedule(start, end, duration, t):
    return max(end, start + (end - start) * t / duration)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-steps", type=int, default=50000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--target-every", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=128)
    args = ap.parse_args()
    random.seed(0); np.random.seed(0); torch.manual_seed(0)
    env = Corridor()
    q = QNetwork(env.n, 2)
    q_target = copy.deepcopy(q)
    opt = torch.optim.Adam(q.parameters(), lr=2.5e-4)
    buf = deque(maxlen=50000)
    obs, ep_ret, returns = env.reset(), 0.0, []
    for t in range(args.total_steps):
        eps = linear_schedule(1.0, 0.05, 0.5 * args.total_steps, t)
        if random.random() < eps:
            a = random.randrange(2)
        else:
            with torch.no_grad():
                a = int(q(torch.as_tensor(obs)[None]).argmax(1))
        nxt, r, done = env.step(a)
        buf.append((obs, a, r, nxt, float(done)))
        obs, ep_ret = nxt, ep_ret + r
        if done:
            returns.append(ep_ret)
            obs, ep_ret = env.reset(), 0.0
        if t > 1000 and t % 4 == 0:
            batch = random.sample(buf, args.batch_size)
            o, a_b, r_b, o2, d = (torch.as_tensor(np.array(x)) for x in zip(*batch))
            with torch.no_grad():
                target_max = q_target(o2).max(1).values
                td_target = r_b.float() + args.gamma * target_max * (1 - d.float())
            old_val = q(o).gather(1, a_b.long().unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(old_val, td_target)
            opt.zero_grad()
            loss.backward()
            opt.step()
        if t % args.target_every == 0:
            q_target.load_state_dict(q.state_dict())
        if t % 5000 == 0 and returns:
            print(f"step {t} eps {eps:.2f} mean_return(last 20) {np.mean(returns[-20:]):.3f}")
    torch.save(q.state_dict(), "dqn_corridor.pt")


if __name__ == "__main__":
    main()
