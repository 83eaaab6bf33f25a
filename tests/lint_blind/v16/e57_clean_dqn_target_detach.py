# expect: clean
# style: CleanRL-like DQN with replay buffer and target network, numpy environment
# note: the TD target is built from the target network under no_grad and detached, and .item()/.numpy() are used only for logging and action selection; the online network's Q(s, a) carries the gradient
import argparse
import collections
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ChainEnv:
    def __init__(self, n=10):
        self.n, self.pos = n, 0

    def reset(self):
        self.pos = 0
        return self.obs()

    def obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.pos] = 1
        return o

    def step(self, a):
        self.pos = min(self.pos + 1, self.n - 1) if a == 1 else max(self.pos - 1, 0)
        done = self.pos == self.n - 1
        return self.obs(), float(done), done


class QNet(nn.Module):
    def __init__(self, n_obs, n_act):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, x):
        return self.net(x)


def linear_schedule(start, end, duration, t):
    return max(end, start + (end - start) * t / duration)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-timesteps", type=int, default=50000)
    ap.add_argument("--buffer-size", type=int, default=10000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--target-freq", type=int, default=500)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=2.5e-4)
    args = ap.parse_args()
    random.seed(0); np.random.seed(0); torch.manual_seed(0)

    env = ChainEnv()
    q = QNet(env.n, 2)
    target = QNet(env.n, 2)
    target.load_state_dict(q.state_dict())
    optimizer = torch.optim.Adam(q.parameters(), lr=args.lr)
    buffer = collections.deque(maxlen=args.buffer_size)
    obs, ep_ret, returns = env.reset(), 0.0, []

    for t in range(args.total_timesteps):
        eps = linear_schedule(1.0, 0.05, 0.5 * args.total_timesteps, t)
        if random.random() < eps:
            action = random.randrange(2)
        else:
            with torch.no_grad():
                action = int(q(torch.from_numpy(obs)).argmax().item())
        nxt, r, done = env.step(action)
        buffer.append((obs, action, r, nxt, done))
        ep_ret += r
        obs = nxt
        if done or ep_ret < -50:
            returns.append(ep_ret)
            obs, ep_ret = env.reset(), 0.0

        if t > 1000 and t % 4 == 0:
            batch = random.sample(buffer, args.batch_size)
            o, a, rew, o2, d = map(np.array, zip(*batch))
            o, o2 = torch.tensor(o), torch.tensor(o2)
            a = torch.tensor(a, dtype=torch.long)
            rew, d = torch.tensor(rew, dtype=torch.float32), torch.tensor(d, dtype=torch.float32)
            with torch.no_grad():
                target_max = target(o2).max(dim=1).values
                td_target = rew + args.gamma * target_max * (1 - d)
            old_val = q(o).gather(1, a[:, None]).squeeze(1)
            loss = F.mse_loss(td_target, old_val)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if t % 1000 == 0:
                print(f"t={t} loss={loss.item():.4f} q={old_val.mean().item():.3f} "
                      f"return={np.mean(returns[-20:]) if returns else 0:.2f} eps={eps:.2f}")
        if t % args.target_freq == 0:
            target.load_state_dict(q.state_dict())
    torch.save(q.state_dict(), "dqn_chain.pt")
