# expect: TVL002
# style: course-project REINFORCE with baseline, loss built in a separate function
# bug: compute_policy_loss() returns torch.tensor(loss.item(), requires_grad=True), so backward() never reaches the policy network
import argparse
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ToyEnv:
    """Tiny bandit-chain stand-in for CartPole so the script is self contained."""

    def __init__(self, obs_dim=4, horizon=200, seed=0):
        self.obs_dim = obs_dim
        self.horizon = horizon
        self.rng = np.random.default_rng(seed)
        self.t = 0

    def reset(self):
        self.t = 0
        return self.rng.normal(size=self.obs_dim).astype(np.float32)

    def step(self, action):
        self.t += 1
        reward = 1.0 if action == int(self.t % 2) else 0.0
        done = self.t >= self.horizon or self.rng.random() < 0.02
        return self.rng.normal(size=self.obs_dim).astype(np.float32), reward, done


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=128):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.drop = nn.Dropout(0.1)
        self.fc2 = nn.Linear(hidden, n_actions)

    def forward(self, x):
        return F.softmax(self.fc2(self.drop(F.relu(self.fc1(x)))), dim=-1)


def run_episode(env, policy):
    obs = env.reset()
    log_probs, rewards = [], []
    done = False
    while not done:
        probs = policy(torch.from_numpy(obs).unsqueeze(0))
        dist = torch.distributions.Categorical(probs)
        a = dist.sample()
        log_probs.append(dist.log_prob(a))
        obs, r, done = env.step(a.item())
        rewards.append(r)
    return log_probs, rewards


def discounted_returns(rewards, gamma):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.insert(0, g)
    out = torch.tensor(out)
    return (out - out.mean()) / (out.std() + 1e-9)


def compute_policy_loss(log_probs, returns):
    terms = [-lp * g for lp, g in zip(log_probs, returns)]
    loss = torch.cat(terms).sum()
    # store as a fresh scalar so the episode buffers can be freed early
    return torch.tensor(loss.item(), requires_grad=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--episodes", type=int, default=1000)
    parser.add_argument("--log-interval", type=int, default=10)
    args = parser.parse_args()

    torch.manual_seed(543)
    env = ToyEnv()
    policy = Policy(env.obs_dim, 2)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    running_reward = 10.0
    recent = deque(maxlen=100)

    for ep in range(1, args.episodes + 1):
        policy.train()
        log_probs, rewards = run_episode(env, policy)
        ep_reward = sum(rewards)
        recent.append(ep_reward)
        running_reward = 0.05 * ep_reward + 0.95 * running_reward

        returns = discounted_returns(rewards, args.gamma)
        loss = compute_policy_loss(log_probs, returns)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if ep % args.log_interval == 0:
            print(f"Episode {ep}\tLast reward: {ep_reward:.2f}\tAverage reward: {running_reward:.2f}"
                  f"\tloss {loss.item():.3f}\tmean100 {np.mean(recent):.2f}")
        if running_reward > env.horizon * 0.9:
            print("Solved! Running reward is now {:.1f}".format(running_reward))
            break


if __name__ == "__main__":
    main()
