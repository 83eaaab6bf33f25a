# expect: TVL012
# style: DQN with replay buffer and target network, agent class with learn() returning the loss tensor
# bug: Agent.learn() returns the loss tensor and the episode loop sums it into `episode_loss` (a tensor) across all steps of an episode for logging, keeping every step's graph alive.
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CorridorEnv:
    def __init__(self, length=10):
        self.length = length

    def reset(self):
        self.pos = self.length // 2
        self.t = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.length, dtype=np.float32)
        o[self.pos] = 1
        return o

    def step(self, a):
        self.pos += 1 if a == 1 else -1
        self.t += 1
        if self.pos >= self.length - 1:
            return self._obs(), 1.0, True
        if self.pos <= 0:
            return self._obs(), -1.0, True
        return self._obs(), -0.01, self.t >= 50


class QNet(nn.Module):
    def __init__(self, n_obs, n_act):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_obs, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_act))

    def forward(self, x):
        return self.net(x)


class Agent:
    def __init__(self, n_obs, n_act, lr=1e-3, gamma=0.99, buffer=20000, batch=64):
        self.q = QNet(n_obs, n_act)
        self.q_target = QNet(n_obs, n_act)
        self.q_target.load_state_dict(self.q.state_dict())
        self.opt = torch.optim.Adam(self.q.parameters(), lr=lr)
        self.memory = deque(maxlen=buffer)
        self.gamma, self.batch, self.n_act = gamma, batch, n_act

    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(self.n_act)
        with torch.no_grad():
            return self.q(torch.from_numpy(obs)).argmax().item()

    def remember(self, *transition):
        self.memory.append(transition)

    def learn(self):
        if len(self.memory) < self.batch:
            return None
        s, a, r, s2, d = zip(*random.sample(self.memory, self.batch))
        s, s2 = torch.tensor(np.array(s)), torch.tensor(np.array(s2))
        a = torch.tensor(a).unsqueeze(1)
        r, d = torch.tensor(r, dtype=torch.float32), torch.tensor(d, dtype=torch.float32)
        q = self.q(s).gather(1, a).squeeze(1)
        with torch.no_grad():
            target = r + self.gamma * (1 - d) * self.q_target(s2).max(1).values
        loss = F.smooth_l1_loss(q, target)
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.q.parameters(), 10)
        self.opt.step()
        return loss

    def sync(self):
        self.q_target.load_state_dict(self.q.state_dict())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--sync-every", type=int, default=20)
    args = ap.parse_args()
    env, agent = CorridorEnv(), Agent(10, 2)
    eps = 1.0
    returns = deque(maxlen=50)
    for ep in range(args.episodes):
        obs, done, ep_ret = env.reset(), False, 0.0
        episode_loss, n_updates = 0.0, 0
        while not done:
            a = agent.act(obs, eps)
            nxt, r, done = env.step(a)
            agent.remember(obs, a, r, nxt, float(done))
            obs = nxt
            ep_ret += r
            loss = agent.learn()
            if loss is not None:
                episode_loss = episode_loss + loss
                n_updates += 1
        eps = max(0.05, eps * 0.99)
        returns.append(ep_ret)
        if ep % args.sync_every == 0:
            agent.sync()
        if ep % 25 == 0:
            mean_loss = float(episode_loss) / max(n_updates, 1)
            print(f"ep {ep} return {np.mean(returns):+.3f} eps {eps:.2f} loss {mean_loss:.4f}")
    torch.save(agent.q.state_dict(), "dqn_corridor.pt")


if __name__ == "__main__":
    main()
