# expect: clean
# style: CleanRL-like DQN on a toy grid world with a replay buffer and target network
# note: the TD target is computed under torch.no_grad() from a network and .item()/.numpy() appear in the loop, but the no_grad network is the target network and the online Q-values keep their graph
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GridWorld:
    def __init__(self, size=6):
        self.size = size

    def reset(self):
        self.pos = np.array([0, 0])
        return self._obs()

    def _obs(self):
        o = np.zeros(self.size * self.size, dtype=np.float32)
        o[self.pos[0] * self.size + self.pos[1]] = 1
        return o

    def step(self, a):
        moves = [(0, 1), (1, 0), (0, -1), (-1, 0)]
        self.pos = np.clip(self.pos + moves[a], 0, self.size - 1)
        done = bool((self.pos == self.size - 1).all())
        return self._obs(), (1.0 if done else -0.01), done


class QNet(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-steps", type=int, default=30000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--target-every", type=int, default=500)
    ap.add_argument("--batch", type=int, default=64)
    args = ap.parse_args()
    random.seed(0)
    torch.manual_seed(0)

    env = GridWorld()
    obs_dim = env.size ** 2
    q = QNet(obs_dim, 4)
    q_target = QNet(obs_dim, 4)
    q_target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=5e-4)
    buffer = deque(maxlen=20000)

    obs, ep_ret, returns = env.reset(), 0.0, []
    for step in range(args.total_steps):
        eps = max(0.05, 1 - step / (0.5 * args.total_steps))
        if random.random() < eps:
            action = random.randrange(4)
        else:
            with torch.no_grad():
                action = q(torch.from_numpy(obs)).argmax().item()
        nobs, r, done = env.step(action)
        buffer.append((obs, action, r, nobs, done))
        obs, ep_ret = nobs, ep_ret + r
        if done:
            returns.append(ep_ret)
            obs, ep_ret = env.reset(), 0.0

        if len(buffer) >= 1000:
            batch = random.sample(buffer, args.batch)
            o, a, rew, no, d = map(np.array, zip(*batch))
            o, no = torch.from_numpy(o), torch.from_numpy(no)
            a = torch.from_numpy(a).long()
            rew, d = torch.from_numpy(rew).float(), torch.from_numpy(d).float()
            with torch.no_grad():
                target = rew + args.gamma * q_target(no).max(1).values * (1 - d)
            q_sa = q(o).gather(1, a[:, None]).squeeze(1)
            loss = F.smooth_l1_loss(q_sa, target)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q.parameters(), 10.0)
            opt.step()
            if step % args.target_every == 0:
                q_target.load_state_dict(q.state_dict())
            if step % 2000 == 0:
                print(f"step {step} eps {eps:.2f} loss {loss.item():.4f} "
                      f"avg return {np.mean(returns[-20:]) if returns else float('nan'):.3f}")


if __name__ == "__main__":
    main()
