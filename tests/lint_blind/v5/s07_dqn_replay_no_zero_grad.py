# expect: TVL003
# style: DQN with a replay buffer and target network (OpenAI-baselines / CleanRL-like single file)
# bug: the update loop calls loss.backward() and optimizer.step() but never clears gradients, so they accumulate across updates
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReplayBuffer:
    def __init__(self, capacity):
        self.buf = deque(maxlen=capacity)

    def push(self, *transition):
        self.buf.append(transition)

    def sample(self, n):
        s, a, r, s2, d = zip(*random.sample(self.buf, n))
        return (torch.tensor(np.array(s), dtype=torch.float32), torch.tensor(a),
                torch.tensor(r, dtype=torch.float32), torch.tensor(np.array(s2), dtype=torch.float32),
                torch.tensor(d, dtype=torch.float32))

    def __len__(self):
        return len(self.buf)


class QNet(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                                 nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


def fake_env_step(state, action):
    nxt = np.clip(state + 0.1 * (action - 0.5) + 0.01 * np.random.randn(*state.shape), -1, 1)
    return nxt.astype(np.float32), float(-abs(nxt).sum()), bool(abs(nxt).max() >= 1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-timesteps", type=int, default=50000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--target-update", type=int, default=500)
    args = ap.parse_args()

    q, q_target = QNet(4, 2), QNet(4, 2)
    q_target.load_state_dict(q.state_dict())
    optimizer = torch.optim.Adam(q.parameters(), lr=2.5e-4)
    rb = ReplayBuffer(10000)
    state = np.zeros(4, dtype=np.float32)

    for t in range(args.total_timesteps):
        eps = max(0.05, 1.0 - t / 10000)
        if random.random() < eps:
            action = random.randrange(2)
        else:
            with torch.no_grad():
                action = int(q(torch.from_numpy(state)).argmax())
        nxt, reward, done = fake_env_step(state, action)
        rb.push(state, action, reward, nxt, done)
        state = np.zeros(4, dtype=np.float32) if done else nxt

        if len(rb) > 1000 and t % 4 == 0:
            s, a, r, s2, d = rb.sample(args.batch_size)
            with torch.no_grad():
                target = r + args.gamma * q_target(s2).max(1).values * (1 - d)
            q_sa = q(s).gather(1, a.unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(q_sa, target)
            loss.backward()
            nn.utils.clip_grad_norm_(q.parameters(), 10.0)
            optimizer.step()
            if t % 1000 == 0:
                print(f"t={t} td_loss={loss.item():.4f} eps={eps:.2f}")
        if t % args.target_update == 0:
            q_target.load_state_dict(q.state_dict())
