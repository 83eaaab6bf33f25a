# expect: TVL012
# style: DQN-style Atari-lite agent with an Agent class; per-episode logging dict built in one method and filled in another
# bug: `Agent.learn` returns the loss tensor and `run_episode` does `stats["loss"] += loss` for every update, so every TD-loss graph of the episode stays alive until the stats are reset
import argparse
import collections
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

Transition = collections.namedtuple("Transition", "s a r s2 done")


class GridEnv:
    def __init__(self, size=6, seed=0):
        self.size = size
        self.rng = random.Random(seed)

    def reset(self):
        self.agent = [0, 0]
        self.goal = [self.size - 1, self.size - 1]
        self.t = 0
        return self._obs()

    def _obs(self):
        o = np.zeros((2, self.size, self.size), dtype=np.float32)
        o[0, self.agent[0], self.agent[1]] = 1
        o[1, self.goal[0], self.goal[1]] = 1
        return o

    def step(self, a):
        dx, dy = [(0, 1), (1, 0), (0, -1), (-1, 0)][a]
        self.agent[0] = min(max(self.agent[0] + dx, 0), self.size - 1)
        self.agent[1] = min(max(self.agent[1] + dy, 0), self.size - 1)
        self.t += 1
        done = self.agent == self.goal or self.t >= 50
        return self._obs(), (1.0 if self.agent == self.goal else -0.01), done


class QNet(nn.Module):
    def __init__(self, size, n_actions=4):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(2, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU())
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(32 * size * size, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.fc(self.conv(x))


class Agent:
    def __init__(self, size, lr=1e-3, gamma=0.99, buffer=20000, batch=64, device="cpu"):
        self.q = QNet(size).to(device)
        self.target = QNet(size).to(device)
        self.target.load_state_dict(self.q.state_dict())
        self.opt = torch.optim.Adam(self.q.parameters(), lr=lr)
        self.buffer = collections.deque(maxlen=buffer)
        self.gamma, self.batch, self.device = gamma, batch, device
        self.updates = 0

    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(4)
        with torch.no_grad():
            return int(self.q(torch.as_tensor(obs, device=self.device)[None]).argmax(1))

    def learn(self):
        batch = random.sample(self.buffer, self.batch)
        s = torch.as_tensor(np.stack([t.s for t in batch]), device=self.device)
        a = torch.as_tensor([t.a for t in batch], device=self.device)
        r = torch.as_tensor([t.r for t in batch], device=self.device, dtype=torch.float32)
        s2 = torch.as_tensor(np.stack([t.s2 for t in batch]), device=self.device)
        d = torch.as_tensor([t.done for t in batch], device=self.device, dtype=torch.float32)
        q = self.q(s).gather(1, a[:, None]).squeeze(1)
        with torch.no_grad():
            target = r + self.gamma * (1 - d) * self.target(s2).max(1).values
        loss = F.smooth_l1_loss(q, target)
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.q.parameters(), 10.0)
        self.opt.step()
        self.updates += 1
        if self.updates % 500 == 0:
            self.target.load_state_dict(self.q.state_dict())
        return loss


def new_stats():
    return {"return": 0.0, "loss": 0.0, "n_updates": 0, "steps": 0}


def run_episode(env, agent, eps, warmup):
    stats = new_stats()
    obs = env.reset()
    done = False
    while not done:
        a = agent.act(obs, eps)
        obs2, r, done = env.step(a)
        agent.buffer.append(Transition(obs, a, r, obs2, float(done)))
        obs = obs2
        stats["return"] += r
        stats["steps"] += 1
        if len(agent.buffer) >= warmup:
            stats["loss"] += agent.learn()
            stats["n_updates"] += 1
    return stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=3000)
    ap.add_argument("--warmup", type=int, default=1000)
    ap.add_argument("--eps-decay", type=int, default=1500)
    args = ap.parse_args()
    random.seed(0)
    torch.manual_seed(0)
    env = GridEnv()
    agent = Agent(env.size)
    returns = collections.deque(maxlen=100)
    for ep in range(args.episodes):
        eps = max(0.05, 1.0 - ep / args.eps_decay)
        st = run_episode(env, agent, eps, args.warmup)
        returns.append(st["return"])
        if ep % 50 == 0:
            mean_loss = float(st["loss"]) / max(1, st["n_updates"])
            print(f"ep {ep} eps {eps:.2f} ret100 {np.mean(returns):.3f} loss {mean_loss:.4f} steps {st['steps']}")
    torch.save(agent.q.state_dict(), "dqn_grid.pt")


if __name__ == "__main__":
    main()
