# expect: clean
# style: CleanRL-style DQN with replay buffer and target network, single file
# note: the TD target comes from the target network under torch.no_grad(), which looks like a no_grad forward feeding the loss, but the online Q-network forward (the trained model) is outside no_grad
import argparse
import random
import time
from collections import deque

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


class ReplayBuffer:
    def __init__(self, size):
        self.buf = deque(maxlen=size)

    def add(self, *transition):
        self.buf.append(transition)

    def sample(self, n):
        batch = random.sample(self.buf, n)
        obs, act, rew, nxt, done = map(np.array, zip(*batch))
        return (torch.tensor(obs, dtype=torch.float32), torch.tensor(act, dtype=torch.long),
                torch.tensor(rew, dtype=torch.float32), torch.tensor(nxt, dtype=torch.float32),
                torch.tensor(done, dtype=torch.float32))

    def __len__(self):
        return len(self.buf)


def linear_schedule(start_e, end_e, duration, t):
    return max(end_e, start_e + (end_e - start_e) * t / duration)


class FakeEnv:
    obs_dim, n_actions = 4, 2

    def __init__(self):
        self.t = 0

    def reset(self):
        self.t = 0
        return np.random.randn(self.obs_dim).astype(np.float32)

    def step(self, a):
        self.t += 1
        return np.random.randn(self.obs_dim).astype(np.float32), float(a == self.t % 2), self.t >= 200


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=50000)
    p.add_argument("--learning-rate", type=float, default=2.5e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--target-network-frequency", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-starts", type=int, default=1000)
    p.add_argument("--train-frequency", type=int, default=10)
    args = p.parse_args()

    env = FakeEnv()
    q_network = QNetwork(env.obs_dim, env.n_actions)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = QNetwork(env.obs_dim, env.n_actions)
    target_network.load_state_dict(q_network.state_dict())
    rb = ReplayBuffer(10000)
    obs = env.reset()
    start_time = time.time()
    ep_return = 0.0

    for global_step in range(args.total_timesteps):
        epsilon = linear_schedule(1.0, 0.05, 0.5 * args.total_timesteps, global_step)
        if random.random() < epsilon:
            action = random.randrange(env.n_actions)
        else:
            with torch.no_grad():
                action = q_network(torch.from_numpy(obs)[None]).argmax(1).item()
        next_obs, reward, done = env.step(action)
        rb.add(obs, action, reward, next_obs, done)
        ep_return += reward
        obs = env.reset() if done else next_obs
        if done:
            ep_return = 0.0

        if global_step > args.learning_starts and global_step % args.train_frequency == 0:
            b_obs, b_act, b_rew, b_next, b_done = rb.sample(args.batch_size)
            with torch.no_grad():
                target_max = target_network(b_next).max(dim=1).values
                td_target = b_rew + args.gamma * target_max * (1 - b_done)
            old_val = q_network(b_obs).gather(1, b_act[:, None]).squeeze(1)
            loss = F.mse_loss(td_target, old_val)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if global_step % 1000 == 0:
                print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.3f} "
                      f"SPS {int(global_step / (time.time() - start_time))}")

        if global_step % args.target_network_frequency == 0:
            target_network.load_state_dict(q_network.state_dict())

    torch.save(q_network.state_dict(), "dqn.cleanrl_model")
