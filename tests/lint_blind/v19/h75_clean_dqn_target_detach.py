# expect: clean
# style: Double-DQN agent class on a toy inventory-control env; target computed in a helper with .detach()/.max()
# note: the TD target is built from the target network and the online net's argmax under no_grad/.detach() (TVL001/TVL002 look-alike), but the loss still flows through `q_online(s).gather(...)`, the trained network's forward with grad
import argparse
import collections
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class InventoryEnv:
    def __init__(self, cap=20, seed=0):
        self.cap = cap
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.stock, self.t = self.cap // 2, 0
        return self._obs()

    def _obs(self):
        return np.array([self.stock / self.cap, self.t / 100.0], dtype=np.float32)

    def step(self, order):
        self.stock = min(self.cap, self.stock + order)
        demand = self.rng.poisson(4)
        sold = min(self.stock, demand)
        self.stock -= sold
        self.t += 1
        reward = 2.0 * sold - 0.5 * order - 0.1 * self.stock - 1.0 * (demand - sold)
        return self._obs(), reward / 10.0, self.t >= 100


class QNet(nn.Module):
    def __init__(self, n_actions=8):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, n_actions))

    def forward(self, x):
        return self.net(x)


class DoubleDQN:
    def __init__(self, n_actions=8, gamma=0.98, lr=5e-4, tau=0.01):
        self.q_online = QNet(n_actions)
        self.q_target = QNet(n_actions)
        self.q_target.load_state_dict(self.q_online.state_dict())
        self.q_target.requires_grad_(False)
        self.opt = torch.optim.Adam(self.q_online.parameters(), lr=lr)
        self.gamma, self.tau, self.n_actions = gamma, tau, n_actions
        self.buffer = collections.deque(maxlen=50000)

    def act(self, obs, eps):
        if random.random() < eps:
            return random.randrange(self.n_actions)
        with torch.no_grad():
            return int(self.q_online(torch.from_numpy(obs)[None]).argmax())

    def td_target(self, r, s2, d):
        with torch.no_grad():
            a2 = self.q_online(s2).argmax(1, keepdim=True)
            q2 = self.q_target(s2).gather(1, a2).squeeze(1)
        return (r + self.gamma * (1 - d) * q2).detach()

    def update(self, batch_size=128):
        batch = random.sample(self.buffer, batch_size)
        s, a, r, s2, d = map(np.array, zip(*batch))
        s, s2 = torch.from_numpy(s), torch.from_numpy(s2)
        a = torch.from_numpy(a).long()
        r, d = torch.from_numpy(r).float(), torch.from_numpy(d).float()
        q = self.q_online(s).gather(1, a[:, None]).squeeze(1)
        loss = F.smooth_l1_loss(q, self.td_target(r, s2, d))
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(self.q_online.parameters(), 10.0)
        self.opt.step()
        with torch.no_grad():
            for pt, po in zip(self.q_target.parameters(), self.q_online.parameters()):
                pt.lerp_(po, self.tau)
        return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=600)
    ap.add_argument("--warmup", type=int, default=2000)
    args = ap.parse_args()
    random.seed(0)
    torch.manual_seed(0)
    env, agent = InventoryEnv(), DoubleDQN()
    recent, losses = collections.deque(maxlen=20), collections.deque(maxlen=500)
    steps = 0
    for ep in range(args.episodes):
        obs, done, ret = env.reset(), False, 0.0
        eps = max(0.05, 1 - ep / 300)
        while not done:
            a = agent.act(obs, eps)
            obs2, r, done = env.step(a)
            agent.buffer.append((obs, a, r, obs2, float(done)))
            obs, ret, steps = obs2, ret + r, steps + 1
            if steps > args.warmup:
                losses.append(agent.update())
        recent.append(ret)
        if ep % 20 == 0:
            print(f"ep {ep} eps {eps:.2f} return {np.mean(recent):.2f} loss {np.mean(losses) if losses else float('nan'):.4f}")
    torch.save(agent.q_online.state_dict(), "ddqn_inventory.pt")


if __name__ == "__main__":
    main()
