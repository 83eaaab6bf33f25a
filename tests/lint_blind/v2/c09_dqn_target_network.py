# expect: clean
# style: cleanrl-style DQN with a target network and replay buffer (synthetic transitions)
# note: TD target computed from target_network under torch.no_grad(); only q_network is optimized; target synced by load_state_dict
import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


def linear_schedule(start_e, end_e, duration, t):
    return max(end_e, start_e + (end_e - start_e) * t / duration)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=20000)
    p.add_argument("--buffer-size", type=int, default=10000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--target-network-frequency", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-starts", type=int, default=1000)
    args = p.parse_args()
    obs_dim, n_act = 4, 2
    q_network = QNetwork(obs_dim, n_act)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)
    target_network = QNetwork(obs_dim, n_act)
    target_network.load_state_dict(q_network.state_dict())
    buffer = []
    obs = np.random.randn(obs_dim).astype(np.float32)
    for global_step in range(args.total_timesteps):
        eps = linear_schedule(1.0, 0.05, 0.5 * args.total_timesteps, global_step)
        if random.random() < eps:
            action = random.randrange(n_act)
        else:
            with torch.no_grad():
                action = int(q_network(torch.from_numpy(obs)).argmax().item())
        next_obs = np.random.randn(obs_dim).astype(np.float32)
        buffer.append((obs, action, float(np.random.rand()), next_obs, False))
        buffer = buffer[-args.buffer_size:]
        obs = next_obs
        if global_step > args.learning_starts:
            batch = random.sample(buffer, args.batch_size)
            o, a, r, no, d = (torch.as_tensor(np.array(v)) for v in zip(*batch))
            with torch.no_grad():
                target_max = target_network(no).max(dim=1).values
                td_target = r.float() + args.gamma * target_max * (1 - d.float())
            old_val = q_network(o).gather(1, a.long()[:, None]).squeeze(1)
            loss = F.mse_loss(td_target, old_val)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if global_step % args.target_network_frequency == 0:
                target_network.load_state_dict(q_network.state_dict())
                print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.3f}")


if __name__ == "__main__":
    main()
