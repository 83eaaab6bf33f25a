# expect: TVL003
# style: REINFORCE policy-gradient script with an update() function, gym-like toy env
# bug: update_policy() runs backward() and step() after each episode but never zeroes the policy gradients, so every update also reapplies all previous episodes' gradients.
import argparse
import collections

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class GridEnv:
    def __init__(self, size=5, max_steps=30, seed=0):
        self.size, self.max_steps = size, max_steps
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = np.array([0, 0])
        self.goal = np.array([self.size - 1, self.size - 1])
        self.t = 0
        return self.obs()

    def obs(self):
        return np.concatenate([self.pos / (self.size - 1), self.goal / (self.size - 1)]).astype(np.float32)

    def step(self, action):
        moves = [(0, 1), (1, 0), (0, -1), (-1, 0)]
        self.pos = np.clip(self.pos + np.array(moves[action]), 0, self.size - 1)
        self.t += 1
        done = bool((self.pos == self.goal).all()) or self.t >= self.max_steps
        reward = 1.0 if (self.pos == self.goal).all() else -0.02
        return self.obs(), reward, done


class Policy(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=64):
        super().__init__()
        self.fc1 = nn.Linear(obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, n_actions)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


def run_episode(env, policy):
    obs = env.reset()
    log_probs, rewards = [], []
    done = False
    while not done:
        logits = policy(torch.from_numpy(obs))
        dist = torch.distributions.Categorical(logits=logits)
        a = dist.sample()
        log_probs.append(dist.log_prob(a))
        obs, r, done = env.step(a.item())
        rewards.append(r)
    return log_probs, rewards


def discounted(rewards, gamma):
    out, g = [], 0.0
    for r in reversed(rewards):
        g = r + gamma * g
        out.append(g)
    out.reverse()
    ret = torch.tensor(out)
    return (ret - ret.mean()) / (ret.std() + 1e-8) if len(out) > 1 else ret


def update_policy(optimizer, log_probs, returns):
    loss = -(torch.stack(log_probs) * returns).sum()
    loss.backward()
    optimizer.step()
    return loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--log-every", type=int, default=100)
    args = ap.parse_args()

    torch.manual_seed(0)
    env = GridEnv()
    policy = Policy(4, 4)
    optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
    recent = collections.deque(maxlen=100)

    for ep in range(1, args.episodes + 1):
        log_probs, rewards = run_episode(env, policy)
        loss = update_policy(optimizer, log_probs, discounted(rewards, args.gamma))
        recent.append(sum(rewards))
        if ep % args.log_every == 0:
            print(f"episode {ep:5d}  avg_return {np.mean(recent):+.3f}  last_loss {loss:.3f}")
        if np.mean(recent) > 0.8 and len(recent) == 100:
            print(f"solved at episode {ep}")
            break
    torch.save(policy.state_dict(), "reinforce_grid.pt")


if __name__ == "__main__":
    main()
