# expect: TVL011
# style: stable-baselines3-like DQN policy class (q_net / q_net_target, train(gradient_steps) method, replay buffer sample)
# bug: in DQN.train() the optimizer step is skipped when the clipped grad norm is not finite, with no counter or log of skipped updates
import argparse
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions, net_arch=(64, 64)):
        super().__init__()
        layers, d = [], obs_dim
        for h in net_arch:
            layers += [nn.Linear(d, h), nn.ReLU()]
            d = h
        layers.append(nn.Linear(d, n_actions))
        self.q_net = nn.Sequential(*layers)

    def forward(self, obs):
        return self.q_net(obs)


class ReplayBuffer:
    def __init__(self, size, obs_dim):
        self.obs = np.random.randn(size, obs_dim).astype(np.float32)
        self.next_obs = np.random.randn(size, obs_dim).astype(np.float32)
        self.actions = np.random.randint(0, 2, (size, 1))
        self.rewards = np.random.randn(size, 1).astype(np.float32)
        self.dones = np.zeros((size, 1), dtype=np.float32)

    def sample(self, n):
        idx = np.random.randint(0, len(self.obs), n)
        return (torch.as_tensor(self.obs[idx]), torch.as_tensor(self.actions[idx]), torch.as_tensor(self.next_obs[idx]),
                torch.as_tensor(self.dones[idx]), torch.as_tensor(self.rewards[idx]))


class DQN:
    def __init__(self, obs_dim, n_actions, lr=1e-4, gamma=0.99, max_grad_norm=10.0):
        self.q_net = QNetwork(obs_dim, n_actions)
        self.q_net_target = QNetwork(obs_dim, n_actions)
        self.q_net_target.load_state_dict(self.q_net.state_dict())
        self.q_net_target.requires_grad_(False)
        self.optimizer = torch.optim.Adam(self.q_net.parameters(), lr=lr)
        self.gamma, self.max_grad_norm = gamma, max_grad_norm
        self.replay_buffer = ReplayBuffer(10000, obs_dim)
        self._n_updates = 0

    def train(self, gradient_steps, batch_size=32):
        self.q_net.train()
        losses = []
        for _ in range(gradient_steps):
            obs, actions, next_obs, dones, rewards = self.replay_buffer.sample(batch_size)
            with torch.no_grad():
                next_q = self.q_net_target(next_obs).max(dim=1, keepdim=True).values
                target_q = rewards + (1 - dones) * self.gamma * next_q
            current_q = torch.gather(self.q_net(obs), dim=1, index=actions.long())
            loss = F.smooth_l1_loss(current_q, target_q)
            losses.append(loss.item())
            self.optimizer.zero_grad()
            loss.backward()
            total_norm = nn.utils.clip_grad_norm_(self.q_net.parameters(), self.max_grad_norm)
            if torch.isfinite(total_norm):
                self.optimizer.step()
        self._n_updates += gradient_steps
        print(f"train/n_updates={self._n_updates} train/loss={np.mean(losses):.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-updates", type=int, default=100)
    ap.add_argument("--target-update-interval", type=int, default=10)
    args = ap.parse_args()
    agent = DQN(obs_dim=4, n_actions=2)
    for i in range(args.total_updates):
        agent.train(gradient_steps=4)
        if i % args.target_update_interval == 0:
            agent.q_net_target.load_state_dict(agent.q_net.state_dict())
