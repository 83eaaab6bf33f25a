# expect: clean
# style: CleanRL-like single-file DQN on a toy grid environment
# note: the TD target is computed under torch.no_grad() from a target network and the online Q-values for the taken actions stay attached; only the target is cut, which is what DQN wants.
import collections
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GridWorld:
    def __init__(self, size=6):
        self.size = size

    def reset(self):
        self.pos = [0, 0]
        return self._obs()

    def _obs(self):
        o = np.zeros(2 * self.size, dtype=np.float32)
        o[self.pos[0]] = 1.0
        o[self.size + self.pos[1]] = 1.0
        return o

    def step(self, a):
        dx, dy = [(0, 1), (1, 0), (0, -1), (-1, 0)][a]
        self.pos = [min(max(self.pos[0] + dx, 0), self.size - 1), min(max(self.pos[1] + dy, 0), self.size - 1)]
        done = self.pos == [self.size - 1, self.size - 1]
        return self._obs(), (1.0 if done else -0.01), done


def q_net(obs_dim, n_actions):
    return nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_actions))


env = GridWorld()
obs_dim, n_actions = 12, 4
q = q_net(obs_dim, n_actions)
target_q = q_net(obs_dim, n_actions)
target_q.load_state_dict(q.state_dict())
optimizer = torch.optim.Adam(q.parameters(), lr=5e-4)
buffer = collections.deque(maxlen=50_000)
gamma, batch_size, total_steps = 0.99, 128, 30_000
eps_start, eps_end, eps_decay = 1.0, 0.05, 10_000
target_every = 500

obs = env.reset()
for step in range(total_steps):
    eps = max(eps_end, eps_start - (eps_start - eps_end) * step / eps_decay)
    if random.random() < eps:
        action = random.randrange(n_actions)
    else:
        with torch.no_grad():
            action = int(q(torch.from_numpy(obs)).argmax())
    nxt, reward, done = env.step(action)
    buffer.append((obs, action, reward, nxt, float(done)))
    obs = env.reset() if done else nxt

    if len(buffer) >= 1000:
        batch = random.sample(buffer, batch_size)
        o, a, r, o2, d = map(np.array, zip(*batch))
        o, o2 = torch.from_numpy(o), torch.from_numpy(o2)
        a = torch.from_numpy(a).long()
        r, d = torch.from_numpy(r).float(), torch.from_numpy(d).float()
        with torch.no_grad():
            target = r + gamma * (1 - d) * target_q(o2).max(dim=1).values
        q_taken = q(o).gather(1, a.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(q_taken, target)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(q.parameters(), 10.0)
        optimizer.step()
        if step % target_every == 0:
            target_q.load_state_dict(q.state_dict())
        if step % 2000 == 0:
            print(f"step {step} eps {eps:.2f} loss {loss.item():.4f} q_mean {q_taken.mean().item():.3f}")
