# expect: clean
# style: CleanRL dqn.py / OpenAI baselines deepq port (replay buffer, target network, Huber loss)
# note: the TD target is computed from the target network under no_grad (a detached target is intended); the loss reaches q_network through the gathered Q-values
import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim=8, n_actions=4):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


class ReplayBuffer:
    def __init__(self, size, obs_dim):
        self.obs = np.zeros((size, obs_dim), np.float32)
        self.next_obs = np.zeros((size, obs_dim), np.float32)
        self.actions = np.zeros(size, np.int64)
        self.rewards = np.zeros(size, np.float32)
        self.dones = np.zeros(size, np.float32)
        self.size = size

    def sample(self, n):
        idx = np.random.randint(0, self.size, n)
        return (torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]),
                torch.from_numpy(self.rewards[idx]), torch.from_numpy(self.next_obs[idx]),
                torch.from_numpy(self.dones[idx]))


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=50000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--target-network-frequency", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    args = p.parse_args()
    random.seed(1)
    q_network, target_network = QNetwork(), QNetwork()
    target_network.load_state_dict(q_network.state_dict())
    optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)
    rb = ReplayBuffer(10000, 8)
    for global_step in range(args.total_timesteps):
        obs, actions, rewards, next_obs, dones = rb.sample(args.batch_size)
        with torch.no_grad():
            target_max = target_network(next_obs).max(dim=1).values
            td_target = rewards + args.gamma * target_max * (1 - dones)
        old_val = q_network(obs).gather(1, actions.unsqueeze(1)).squeeze(1)
        loss = F.smooth_l1_loss(old_val, td_target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if global_step % args.target_network_frequency == 0:
            target_network.load_state_dict(q_network.state_dict())
        if global_step % 1000 == 0:
            print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.3f}")
