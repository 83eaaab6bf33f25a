# expect: TVL003
# style: CleanRL-style single-file DQN with argparse and replay buffer
# bug: the DQN update computes loss.backward() and optimizer.step() every train_freq steps but never zeroes the Q-network gradients.
import argparse
import collections
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=50000)
    p.add_argument("--learning-rate", type=float, default=2.5e-4)
    p.add_argument("--buffer-size", type=int, default=10000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--target-update", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--start-e", type=float, default=1.0)
    p.add_argument("--end-e", type=float, default=0.05)
    p.add_argument("--learning-starts", type=int, default=1000)
    p.add_argument("--train-freq", type=int, default=4)
    return p.parse_args()


class CartLikeEnv:
    obs_dim, n_actions = 4, 2

    def reset(self):
        self.s = np.random.uniform(-0.05, 0.05, 4).astype(np.float32)
        self.t = 0
        return self.s

    def step(self, a):
        self.t += 1
        self.s = (self.s + np.random.normal(0, 0.02, 4) + (0.01 if a else -0.01)).astype(np.float32)
        done = abs(self.s[2]) > 0.2 or self.t >= 200
        return self.s, 1.0, done


class QNetwork(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(obs_dim, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                                     nn.Linear(84, n_actions))

    def forward(self, x):
        return self.network(x)


def linear_schedule(start_e, end_e, duration, t):
    return max(end_e, start_e + (end_e - start_e) * t / duration)


if __name__ == "__main__":
    args = parse_args()
    env = CartLikeEnv()
    q_network = QNetwork(env.obs_dim, env.n_actions)
    optimizer = torch.optim.Adam(q_network.parameters(), lr=args.learning_rate)
    target_network = QNetwork(env.obs_dim, env.n_actions)
    target_network.load_state_dict(q_network.state_dict())
    rb = collections.deque(maxlen=args.buffer_size)

    obs = env.reset()
    ep_ret, start = 0.0, time.time()
    for global_step in range(args.total_timesteps):
        epsilon = linear_schedule(args.start_e, args.end_e, args.total_timesteps // 2, global_step)
        if random.random() < epsilon:
            action = random.randrange(env.n_actions)
        else:
            with torch.no_grad():
                action = q_network(torch.from_numpy(obs)).argmax().item()
        next_obs, reward, done = env.step(action)
        rb.append((obs, action, reward, next_obs, float(done)))
        ep_ret += reward
        obs = env.reset() if done else next_obs
        if done:
            ep_ret = 0.0

        if global_step > args.learning_starts and global_step % args.train_freq == 0:
            batch = random.sample(rb, args.batch_size)
            o, a, r, no, d = map(np.array, zip(*batch))
            o, no = torch.from_numpy(o), torch.from_numpy(no)
            a = torch.from_numpy(a).long()
            r, d = torch.from_numpy(r).float(), torch.from_numpy(d).float()
            with torch.no_grad():
                target_max = target_network(no).max(dim=1).values
                td_target = r + args.gamma * target_max * (1 - d)
            old_val = q_network(o).gather(1, a.unsqueeze(1)).squeeze(1)
            loss = F.mse_loss(td_target, old_val)
            loss.backward()
            optimizer.step()
            if global_step % 1000 == 0:
                print(f"step={global_step} td_loss={loss.item():.4f} q={old_val.mean().item():.2f} "
                      f"sps={int(global_step / (time.time() - start))}")

        if global_step % args.target_update == 0:
            target_network.load_state_dict(q_network.state_dict())
