# expect: clean
# style: CleanRL-style DQN with replay buffer; TD target computed under no_grad from a target network
# note: a network forward runs under torch.no_grad() and a .max(...) result feeds the loss, but that is the frozen target network; the online Q-network's gather() runs with grad
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GridEnv:
    def __init__(self, size=6):
        self.size = size

    def reset(self):
        self.pos = np.array([0, 0])
        return self._obs()

    def _obs(self):
        o = np.zeros(self.size * self.size, dtype=np.float32)
        o[self.pos[0] * self.size + self.pos[1]] = 1.0
        return o

    def step(self, a):
        moves = [(0, 1), (1, 0), (0, -1), (-1, 0)]
        self.pos = np.clip(self.pos + moves[a], 0, self.size - 1)
        done = bool((self.pos == self.size - 1).all())
        return self._obs(), (1.0 if done else -0.01), done


class QNet(nn.Module):
    def __init__(self, n_obs, n_act):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, x):
        return self.net(x)


if __name__ == "__main__":
    env = GridEnv()
    n_obs, n_act = 36, 4
    q, q_target = QNet(n_obs, n_act), QNet(n_obs, n_act)
    q_target.load_state_dict(q.state_dict())
    opt = torch.optim.Adam(q.parameters(), lr=5e-4)
    buffer = deque(maxlen=20000)
    gamma, batch, eps, target_every, learn_start = 0.99, 64, 1.0, 250, 500
    obs, ep_ret, step = env.reset(), 0.0, 0
    for step in range(20000):
        eps = max(0.05, 1.0 - step / 8000)
        if random.random() < eps:
            a = random.randrange(n_act)
        else:
            with torch.no_grad():
                a = int(q(torch.from_numpy(obs)).argmax())
        nxt, r, done = env.step(a)
        buffer.append((obs, a, r, nxt, float(done)))
        obs, ep_ret = (env.reset(), 0.0) if done else (nxt, ep_ret + r)
        if step > learn_start:
            s, a_b, r_b, s2, d = map(np.array, zip(*random.sample(buffer, batch)))
            s, s2 = torch.from_numpy(s), torch.from_numpy(s2)
            with torch.no_grad():
                target = torch.tensor(r_b, dtype=torch.float32) + gamma * q_target(s2).max(1).values * (1 - torch.tensor(d, dtype=torch.float32))
            q_sa = q(s).gather(1, torch.as_tensor(a_b).long().unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(q_sa, target)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if step % target_every == 0:
                q_target.load_state_dict(q.state_dict())
            if step % 2000 == 0:
                print(f"step {step} loss {loss.item():.4f} eps {eps:.2f}")
