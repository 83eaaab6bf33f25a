# expect: clean
# style: Double DQN with a uniform replay buffer (Stable-Baselines3 DQN.train()-like update written by hand)
# note: the TD target is built from the online and target nets under torch.no_grad() (a target, not the trained path); q(s) outside no_grad carries the gradient; zero_grad before backward each update
import argparse
import random
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReplayBuffer:
    def __init__(self, size, obs_dim):
        self.obs = np.zeros((size, obs_dim), np.float32)
        self.next_obs = np.zeros((size, obs_dim), np.float32)
        self.act = np.zeros(size, np.int64)
        self.rew = np.zeros(size, np.float32)
        self.done = np.zeros(size, np.float32)
        self.size, self.pos, self.full = size, 0, False

    def add(self, o, a, r, o2, d):
        self.obs[self.pos], self.act[self.pos], self.rew[self.pos] = o, a, r
        self.next_obs[self.pos], self.done[self.pos] = o2, d
        self.pos = (self.pos + 1) % self.size
        self.full = self.full or self.pos == 0

    def sample(self, n):
        idx = np.random.randint(0, self.size if self.full else self.pos, n)
        return [torch.as_tensor(a[idx]) for a in (self.obs, self.act, self.rew, self.next_obs, self.done)]


def q_network(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, n_actions))


def train_step(q_net, q_target, optimizer, batch, gamma):
    obs, act, rew, next_obs, done = batch
    with torch.no_grad():
        next_actions = q_net(next_obs).argmax(dim=1, keepdim=True)
        next_q = q_target(next_obs).gather(1, next_actions).squeeze(1)
        target_q = rew + (1.0 - done) * gamma * next_q
    current_q = q_net(obs).gather(1, act.unsqueeze(1)).squeeze(1)
    loss = F.smooth_l1_loss(current_q, target_q)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
    optimizer.step()
    return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=30000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--tau", type=float, default=0.005)
    args = ap.parse_args()
    q_net, q_target = q_network(6, 3), q_network(6, 3)
    q_target.load_state_dict(q_net.state_dict())
    q_target.requires_grad_(False)
    optimizer = torch.optim.Adam(q_net.parameters(), lr=1e-4)
    rb = ReplayBuffer(50000, 6)
    obs = np.random.randn(6).astype(np.float32)
    for step in range(args.steps):
        if random.random() < max(0.05, 1 - step / 5000):
            a = random.randrange(3)
        else:
            with torch.no_grad():
                a = int(q_net(torch.from_numpy(obs)).argmax())
        nxt = (obs + 0.1 * (a - 1) + 0.05 * np.random.randn(6)).astype(np.float32)
        rb.add(obs, a, -float(np.abs(nxt).mean()), nxt, 0.0)
        obs = nxt if np.abs(nxt).max() < 3 else np.random.randn(6).astype(np.float32)
        if step > 1000:
            loss = train_step(q_net, q_target, optimizer, rb.sample(64), args.gamma)
            with torch.no_grad():
                for p, tp in zip(q_net.parameters(), q_target.parameters()):
                    tp.mul_(1 - args.tau).add_(p, alpha=args.tau)
            if step % 1000 == 0:
                print(f"step {step} loss {loss:.4f}")
