# expect: clean
# style: Double-DQN agent class with learn()/act() methods and a replay buffer, grid-world RL
# note: the target network is evaluated under torch.no_grad() and acting uses no_grad, which looks like TVL001, but the online Q-values used in the loss come from self.q(obs) with grad enabled; gradients are zeroed each update and the Huber loss compares (B,) with (B,).
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
        self.pos = [0, 0]
        self.t = 0
        return self.obs()

    def obs(self):
        o = np.zeros((2, self.size, self.size), dtype=np.float32)
        o[0, self.pos[0], self.pos[1]] = 1
        o[1, -1, -1] = 1
        return o

    def step(self, a):
        dy, dx = [(-1, 0), (1, 0), (0, -1), (0, 1)][a]
        self.pos = [min(max(self.pos[0] + dy, 0), self.size - 1), min(max(self.pos[1] + dx, 0), self.size - 1)]
        self.t += 1
        goal = self.pos == [self.size - 1, self.size - 1]
        return self.obs(), (1.0 if goal else -0.01), goal or self.t >= 100


class QNet(nn.Module):
    def __init__(self, size=6, n_actions=4):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(2 * size * size, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


class DoubleDQN:
    def __init__(self, lr=1e-3, gamma=0.99, buffer=20000, batch=64, sync_every=250):
        self.q, self.q_target = QNet(), QNet()
        self.q_target.load_state_dict(self.q.state_dict())
        self.q_target.requires_grad_(False)
        self.opt = torch.optim.Adam(self.q.parameters(), lr=lr)
        self.buffer = deque(maxlen=buffer)
        self.gamma, self.batch, self.sync_every = gamma, batch, sync_every
        self.updates = 0

    @torch.no_grad()
    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(4)
        return int(self.q(torch.from_numpy(obs)[None]).argmax())

    def learn(self):
        if len(self.buffer) < self.batch:
            return None
        o, a, r, o2, d = map(np.array, zip(*random.sample(self.buffer, self.batch)))
        o, o2 = torch.from_numpy(o), torch.from_numpy(o2)
        a = torch.from_numpy(a).long()
        r, d = torch.from_numpy(r).float(), torch.from_numpy(d).float()
        q_sa = self.q(o).gather(1, a[:, None]).squeeze(1)
        with torch.no_grad():
            best = self.q(o2).argmax(1, keepdim=True)
            target = r + self.gamma * (1 - d) * self.q_target(o2).gather(1, best).squeeze(1)
        loss = F.smooth_l1_loss(q_sa, target)
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.q.parameters(), 10.0)
        self.opt.step()
        self.updates += 1
        if self.updates % self.sync_every == 0:
            self.q_target.load_state_dict(self.q.state_dict())
        return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=400)
    args = ap.parse_args()
    env, agent = GridWorld(), DoubleDQN()
    returns = []
    for ep in range(args.episodes):
        obs, done, ret = env.reset(), False, 0.0
        eps = max(0.05, 1 - ep / 200)
        while not done:
            a = agent.act(obs, eps)
            obs2, r, done = env.step(a)
            agent.buffer.append((obs, a, r, obs2, float(done)))
            agent.learn()
            obs, ret = obs2, ret + r
        returns.append(ret)
        if ep % 50 == 0:
            print(f"episode {ep} eps {eps:.2f} avg return {np.mean(returns[-50:]):.3f}")
