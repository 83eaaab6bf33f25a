# expect: clean
# style: DQN with replay buffer and target network (CartPole-like toy env), single file
# note: the TD target is computed under torch.no_grad() from the target network and is detached, and q-values are gathered with .squeeze(1) — the online network's Q(s,a) keeps its graph, so detaching the target is correct and the Huber loss compares (B,) with (B,)
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class PoleEnv:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.state = self.rng.uniform(-0.05, 0.05, 4)
        self.t = 0
        return self.state.astype(np.float32)

    def step(self, a):
        x, xd, th, thd = self.state
        force = 10.0 if a == 1 else -10.0
        thacc = (9.8 * np.sin(th) - np.cos(th) * (force + 0.05 * thd ** 2 * np.sin(th)) / 1.1) / (0.5 * (4 / 3 - 0.1 * np.cos(th) ** 2 / 1.1))
        xacc = (force + 0.05 * (thd ** 2 * np.sin(th) - thacc * np.cos(th))) / 1.1
        self.state = np.array([x + 0.02 * xd, xd + 0.02 * xacc, th + 0.02 * thd, thd + 0.02 * thacc])
        self.t += 1
        done = abs(self.state[0]) > 2.4 or abs(self.state[2]) > 0.21 or self.t >= 500
        return self.state.astype(np.float32), 1.0, done


class QNet(nn.Module):
    def __init__(self, obs=4, n_actions=2, hidden=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                                 nn.Linear(hidden, n_actions))

    def forward(self, x):
        return self.net(x)


class Replay:
    def __init__(self, cap):
        self.buf = deque(maxlen=cap)

    def push(self, *tr):
        self.buf.append(tr)

    def sample(self, n):
        s, a, r, s2, d = zip(*random.sample(self.buf, n))
        return (torch.tensor(np.array(s)), torch.tensor(a), torch.tensor(r, dtype=torch.float32),
                torch.tensor(np.array(s2)), torch.tensor(d, dtype=torch.float32))

    def __len__(self):
        return len(self.buf)


def td_loss(q_net, target_net, batch, gamma):
    s, a, r, s2, d = batch
    q_sa = q_net(s).gather(1, a.unsqueeze(1)).squeeze(1)
    with torch.no_grad():
        next_a = q_net(s2).argmax(1, keepdim=True)
        next_q = target_net(s2).gather(1, next_a).squeeze(1)
        target = r + gamma * (1 - d) * next_q
    return F.smooth_l1_loss(q_sa, target)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--target-every", type=int, default=1000)
    args = ap.parse_args()
    random.seed(0)
    torch.manual_seed(0)

    env = PoleEnv()
    q_net, target_net = QNet(), QNet()
    target_net.load_state_dict(q_net.state_dict())
    target_net.eval()
    opt = torch.optim.Adam(q_net.parameters(), lr=5e-4)
    replay = Replay(50_000)
    obs, ep_ret, returns = env.reset(), 0.0, []
    for step in range(1, args.steps + 1):
        eps = max(0.05, 1.0 - step / 10_000)
        if random.random() < eps:
            a = random.randrange(2)
        else:
            with torch.no_grad():
                a = int(q_net(torch.from_numpy(obs)).argmax())
        nxt, r, done = env.step(a)
        replay.push(obs, a, r, nxt, float(done))
        obs, ep_ret = nxt, ep_ret + r
        if done:
            returns.append(ep_ret)
            obs, ep_ret = env.reset(), 0.0
        if len(replay) >= 1000:
            loss = td_loss(q_net, target_net, replay.sample(64), args.gamma)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(q_net.parameters(), 10.0)
            opt.step()
        if step % args.target_every == 0:
            target_net.load_state_dict(q_net.state_dict())
        if step % 5000 == 0 and returns:
            print(f"step {step} eps {eps:.2f} avg_return(last 20) {np.mean(returns[-20:]):.1f}")
    torch.save(q_net.state_dict(), "dqn_pole.pt")


if __name__ == "__main__":
    main()
