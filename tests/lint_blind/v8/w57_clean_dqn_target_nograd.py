# expect: clean
# style: DQN with replay buffer and target network, single-file RL script
# note: the TD target is computed under torch.no_grad() with the target network and the online net's Q-values are gathered outside it; the target net is never optimised and only synced with load_state_dict
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CatchEnv:
    """Ball falls on a 10x5 grid; move the paddle to catch it."""

    def __init__(self, rows=10, cols=5):
        self.rows, self.cols = rows, cols

    def reset(self):
        self.ball = [0, random.randrange(self.cols)]
        self.paddle = random.randrange(self.cols)
        return self._obs()

    def _obs(self):
        g = np.zeros((self.rows, self.cols), dtype=np.float32)
        g[self.ball[0], self.ball[1]] = 1
        g[-1, self.paddle] = 1
        return g.ravel()

    def step(self, a):
        self.paddle = min(max(self.paddle + a - 1, 0), self.cols - 1)
        self.ball[0] += 1
        done = self.ball[0] == self.rows - 1
        r = (1.0 if self.ball[1] == self.paddle else -1.0) if done else 0.0
        return self._obs(), r, done


class QNet(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                                 nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


class Replay:
    def __init__(self, cap):
        self.buf = deque(maxlen=cap)

    def push(self, *t):
        self.buf.append(t)

    def sample(self, n):
        batch = random.sample(self.buf, n)
        s, a, r, s2, d = map(np.array, zip(*batch))
        return (torch.tensor(s), torch.tensor(a, dtype=torch.long), torch.tensor(r, dtype=torch.float32),
                torch.tensor(s2), torch.tensor(d, dtype=torch.float32))

    def __len__(self):
        return len(self.buf)


def td_loss(q_net, target_net, batch, gamma):
    s, a, r, s2, d = batch
    q = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_a = q_net(s2).argmax(1, keepdim=True)
        next_q = target_net(s2).gather(1, next_a).squeeze(1)
        target = r + gamma * (1 - d) * next_q
    return F.smooth_l1_loss(q, target)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=3000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--lr", type=float, default=5e-4)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--sync-every", type=int, default=500)
    args = ap.parse_args()
    env = CatchEnv()
    obs_dim = env.rows * env.cols
    q_net, target_net = QNet(obs_dim, 3), QNet(obs_dim, 3)
    target_net.load_state_dict(q_net.state_dict())
    optimizer = torch.optim.Adam(q_net.parameters(), lr=args.lr)
    replay = Replay(50_000)
    eps, steps, wins = 1.0, 0, deque(maxlen=100)
    for ep in range(args.episodes):
        s, done = env.reset(), False
        while not done:
            if random.random() < eps:
                a = random.randrange(3)
            else:
                with torch.no_grad():
                    a = q_net(torch.from_numpy(s)).argmax().item()
            s2, r, done = env.step(a)
            replay.push(s, a, r, s2, float(done))
            s = s2
            steps += 1
            if len(replay) >= 1000:
                loss = td_loss(q_net, target_net, replay.sample(args.batch), args.gamma)
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
                optimizer.step()
            if steps % args.sync_every == 0:
                target_net.load_state_dict(q_net.state_dict())
        wins.append(r > 0)
        eps = max(0.05, eps * 0.998)
        if ep % 200 == 0:
            print(f"episode {ep} eps {eps:.3f} win-rate {np.mean(wins):.2f}")
    torch.save(q_net.state_dict(), "dqn_catch.pt")


if __name__ == "__main__":
    main()
