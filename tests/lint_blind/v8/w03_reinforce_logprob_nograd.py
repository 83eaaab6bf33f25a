# expect: TVL001
# style: RL REINFORCE on a toy gridworld, CleanRL-ish single file
# bug: select_action runs the policy under torch.no_grad() and stores the log-probs; finish_episode builds the policy-gradient loss from those stored log-probs, the only path to the loss
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class GridWorld:
    """Tiny 5x5 gridworld; reach the bottom-right corner."""

    def __init__(self, size=5, max_steps=50):
        self.size = size
        self.max_steps = max_steps

    def reset(self):
        self.pos = [0, 0]
        self.t = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.size * self.size, dtype=np.float32)
        o[self.pos[0] * self.size + self.pos[1]] = 1.0
        return o

    def step(self, a):
        dr, dc = [(-1, 0), (1, 0), (0, -1), (0, 1)][a]
        self.pos[0] = min(max(self.pos[0] + dr, 0), self.size - 1)
        self.pos[1] = min(max(self.pos[1] + dc, 0), self.size - 1)
        self.t += 1
        done = self.pos == [self.size - 1, self.size - 1]
        reward = 1.0 if done else -0.01
        return self._obs(), reward, done or self.t >= self.max_steps


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(obs_dim, hidden), nn.Tanh(),
            nn.Linear(hidden, hidden), nn.Tanh(),
            nn.Linear(hidden, n_actions),
        )

    def forward(self, x):
        return self.net(x)


class Agent:
    def __init__(self, policy, lr, gamma):
        self.policy = policy
        self.gamma = gamma
        self.optimizer = torch.optim.Adam(policy.parameters(), lr=lr)
        self.saved_log_probs = []
        self.rewards = []

    def select_action(self, obs):
        # acting does not need a graph; keeps rollout cheap
        with torch.no_grad():
            logits = self.policy(torch.from_numpy(obs).unsqueeze(0))
            dist = Categorical(logits=logits)
            action = dist.sample()
            self.saved_log_probs.append(dist.log_prob(action))
        return action.item()

    def finish_episode(self):
        returns = deque()
        R = 0.0
        for r in reversed(self.rewards):
            R = r + self.gamma * R
            returns.appendleft(R)
        returns = torch.tensor(list(returns))
        if len(returns) > 1:
            returns = (returns - returns.mean()) / (returns.std() + 1e-8)
        log_probs = torch.cat(self.saved_log_probs)
        loss = -(log_probs * returns).sum()

        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        del self.saved_log_probs[:]
        del self.rewards[:]
        return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    env = GridWorld()
    agent = Agent(Policy(25, 4), args.lr, args.gamma)
    running_reward = 0.0
    for ep in range(args.episodes):
        obs, ep_reward = env.reset(), 0.0
        done = False
        while not done:
            a = agent.select_action(obs)
            obs, r, done = env.step(a)
            agent.rewards.append(r)
            ep_reward += r
        loss = agent.finish_episode()
        running_reward = 0.05 * ep_reward + 0.95 * running_reward
        if ep % 100 == 0:
            print(f"episode {ep}\tloss {loss:.3f}\trunning reward {running_reward:.3f}")
        if running_reward > 0.9:
            print(f"solved at episode {ep}")
            break
    torch.save(agent.policy.state_dict(), "reinforce_grid.pt")


if __name__ == "__main__":
    main()
