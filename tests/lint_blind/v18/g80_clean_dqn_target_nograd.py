# expect: clean
# style: Double-DQN agent class with replay buffer; no_grad for targets and action selection
# note: torch.no_grad() wraps network forwards inside learn(), which looks like TVL001, but only the bootstrap target (online argmax + target net evaluation) is computed there; the Q(s, a) that is regressed runs with gradients.
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Bandit2D:
    def __init__(self, size=6):
        self.size = size

    def reset(self):
        self.p = np.random.randint(0, self.size, 2)
        self.t = 0
        return self.obs()

    def obs(self):
        o = np.zeros(2 * self.size, dtype=np.float32)
        o[self.p[0]] = 1
        o[self.size + self.p[1]] = 1
        return o

    def step(self, a):
        d = [(1, 0), (-1, 0), (0, 1), (0, -1)][a]
        self.p = np.clip(self.p + d, 0, self.size - 1)
        self.t += 1
        at_goal = (self.p == self.size - 1).all()
        return self.obs(), 1.0 if at_goal else -0.01, bool(at_goal) or self.t >= 40


class DoubleDQN:
    def __init__(self, obs_dim, n_actions, gamma=0.99, lr=5e-4):
        make = lambda: nn.Sequential(nn.Linear(obs_dim, 128), nn.ReLU(), nn.Linear(128, n_actions))
        self.online, self.target = make(), make()
        self.target.load_state_dict(self.online.state_dict())
        self.target.requires_grad_(False)
        self.opt = torch.optim.Adam(self.online.parameters(), lr=lr)
        self.gamma, self.n_actions = gamma, n_actions
        self.buffer = deque(maxlen=30000)

    @torch.no_grad()
    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(self.n_actions)
        return int(self.online(torch.from_numpy(obs)).argmax())

    def learn(self, batch_size=64):
        if len(self.buffer) < 1000:
            return None
        s, a, r, s2, d = map(np.array, zip(*random.sample(self.buffer, batch_size)))
        s, s2 = torch.from_numpy(s), torch.from_numpy(s2)
        a = torch.from_numpy(a).long().unsqueeze(1)
        r, d = torch.from_numpy(r).float(), torch.from_numpy(d).float()
        with torch.no_grad():
            best = self.online(s2).argmax(1, keepdim=True)
            target = r + self.gamma * (1 - d) * self.target(s2).gather(1, best).squeeze(1)
        q = self.online(s).gather(1, a).squeeze(1)
        loss = F.smooth_l1_loss(q, target)
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.online.parameters(), 10.0)
        self.opt.step()
        return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=400)
    ap.add_argument("--target-every", type=int, default=500)
    args = ap.parse_args()
    env, agent = Bandit2D(), DoubleDQN(12, 4)
    steps, eps, rets, losses = 0, 1.0, deque(maxlen=50), deque(maxlen=500)
    for ep in range(args.episodes):
        obs, done, ret = env.reset(), False, 0.0
        while not done:
            a = agent.act(obs, eps)
            nxt, r, done = env.step(a)
            agent.buffer.append((obs, a, r, nxt, float(done)))
            obs, ret = nxt, ret + r
            l = agent.learn()
            if l is not None:
                losses.append(l)
            steps += 1
            if steps % args.target_every == 0:
                agent.target.load_state_dict(agent.online.state_dict())
        eps = max(0.05, eps * 0.985)
        rets.append(ret)
        if ep % 25 == 0:
            print(f"ep {ep} avg_ret {np.mean(rets):.3f} eps {eps:.2f} loss {np.mean(losses) if losses else float('nan'):.4f}")
    torch.save(agent.online.state_dict(), "ddqn.pt")


if __name__ == "__main__":
    main()
