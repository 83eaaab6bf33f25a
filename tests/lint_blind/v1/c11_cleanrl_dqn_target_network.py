# expect: clean
# style: cleanrl dqn.py (single-file RL, q_network + target_network, TD target under torch.no_grad)
# note: target_network forward under no_grad builds the TD target only; q_network's own forward carries the gradient
import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning-rate", type=float, default=2.5e-4)
    parser.add_argument("--total-timesteps", type=int, default=5000)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--target-network-frequency", type=int, default=500)
    parser.add_argument("--tau", type=float, default=1.0)
    return parser.parse_args()


class QNetwork(nn.Module):
    def __init__(self, obs_dim=4, n_actions=2):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


if __name__ == "__main__":
    args = parse_args()
    q_network = QNetwork()
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = QNetwork()
    target_network.load_state_dict(q_network.state_dict())
    buffer_obs = torch.randn(10_000, 4)
    buffer_next_obs = torch.randn(10_000, 4)
    buffer_actions = torch.randint(0, 2, (10_000,))
    buffer_rewards = torch.rand(10_000)
    buffer_dones = (torch.rand(10_000) < 0.05).float()
    for global_step in range(args.total_timesteps):
        if global_step % 10 != 0:
            continue  # env interaction elided; train every 10 steps
        idx = torch.from_numpy(np.array(random.sample(range(10_000), args.batch_size)))
        with torch.no_grad():
            target_max, _ = target_network(buffer_next_obs[idx]).max(dim=1)
            td_target = buffer_rewards[idx] + args.gamma * target_max * (1 - buffer_dones[idx])
        old_val = q_network(buffer_obs[idx]).gather(1, buffer_actions[idx].unsqueeze(1)).squeeze()
        loss = F.mse_loss(td_target, old_val)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if global_step % 1000 == 0:
            print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.3f}")
        if global_step % args.target_network_frequency == 0:
            for tp, qp in zip(target_network.parameters(), q_network.parameters()):
                tp.data.copy_(args.tau * qp.data + (1.0 - args.tau) * tp.data)
