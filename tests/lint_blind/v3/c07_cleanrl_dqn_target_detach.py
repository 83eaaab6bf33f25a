# expect: clean
# style: CleanRL dqn.py (q_network / target_network, replay sampling, td_target under no_grad, periodic target copy)
# note: the TD target is computed from the target network under torch.no_grad(); the loss still flows through q_network(obs).gather(...)
import argparse
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


def linear_schedule(start_e, end_e, duration, t):
    return max(end_e + (start_e - end_e) * (1 - t / duration), end_e)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--total-timesteps", type=int, default=5000)
    parser.add_argument("--learning-rate", type=float, default=2.5e-4)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--target-network-frequency", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--train-frequency", type=int, default=10)
    args = parser.parse_args()
    obs_dim, n_actions = 4, 2
    q_network = QNetwork(obs_dim, n_actions)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = QNetwork(obs_dim, n_actions)
    target_network.load_state_dict(q_network.state_dict())
    rb_obs = torch.randn(10000, obs_dim); rb_next = torch.randn(10000, obs_dim)
    rb_act = torch.randint(0, n_actions, (10000, 1)); rb_rew = torch.randn(10000); rb_done = torch.zeros(10000)
    for global_step in range(args.total_timesteps):
        epsilon = linear_schedule(1.0, 0.05, 0.5 * args.total_timesteps, global_step)
        if global_step > 1000 and global_step % args.train_frequency == 0:
            idx = np.random.randint(0, 10000, args.batch_size)
            with torch.no_grad():
                target_max, _ = target_network(rb_next[idx]).max(dim=1)
                td_target = rb_rew[idx] + args.gamma * target_max * (1 - rb_done[idx])
            old_val = q_network(rb_obs[idx]).gather(1, rb_act[idx]).squeeze()
            loss = F.mse_loss(td_target, old_val)
            if global_step % 100 == 0:
                print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.3f} eps {epsilon:.2f}")
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        if global_step % args.target_network_frequency == 0:
            for target_param, q_param in zip(target_network.parameters(), q_network.parameters()):
                target_param.data.copy_(q_param.data)
