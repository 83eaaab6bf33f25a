# expect: clean
# style: CleanRL-like DQN single file with a target network; .detach()/.max().values on the bootstrap target
# note: the bootstrap target from the target network is detached (correct for TD learning); the online network's Q(s, a) stays in the graph
import argparse
import random
from collections import deque

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class CartPoleLite:
    """Minimal cart-pole dynamics (no gym dependency)."""

    def reset(self):
        self.s = np.random.uniform(-0.05, 0.05, 4)
        self.t = 0
        return self.s.astype(np.float32)

    def step(self, a):
        x, xd, th, thd = self.s
        force = 10.0 if a == 1 else -10.0
        thacc = (9.8 * np.sin(th) - np.cos(th) * (force + 0.05 * thd ** 2 * np.sin(th)) / 1.1) / (0.5 * (4 / 3 - 0.1 * np.cos(th) ** 2 / 1.1))
        xacc = (force + 0.05 * thd ** 2 * np.sin(th)) / 1.1 - 0.05 * thacc * np.cos(th) / 1.1
        self.s = np.array([x + 0.02 * xd, xd + 0.02 * xacc, th + 0.02 * thd, thd + 0.02 * thacc])
        self.t += 1
        done = abs(self.s[0]) > 2.4 or abs(self.s[2]) > 0.21 or self.t >= 500
        return self.s.astype(np.float32), 1.0, done


class QNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.network = nn.Sequential(nn.Linear(4, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 2))

    def forward(self, x):
        return self.network(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=50000)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--tau", type=float, default=1.0)
    p.add_argument("--target-network-frequency", type=int, default=500)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--learning-starts", type=int, default=1000)
    args = p.parse_args()

    env = CartPoleLite()
    q_network = QNetwork()
    optimizer = torch.optim.Adam(q_network.parameters(), lr=2.5e-4)
    target_network = QNetwork()
    target_network.load_state_dict(q_network.state_dict())
    rb = deque(maxlen=10000)
    obs, ep_len = env.reset(), 0
    for global_step in range(args.total_timesteps):
        epsilon = max(0.05, 1 - global_step / (0.5 * args.total_timesteps))
        if random.random() < epsilon:
            action = random.randrange(2)
        else:
            action = q_network(torch.as_tensor(obs)[None]).argmax(1).item()
        next_obs, reward, done = env.step(action)
        rb.append((obs, action, reward, next_obs, done))
        obs, ep_len = (env.reset(), 0) if done else (next_obs, ep_len + 1)

        if global_step > args.learning_starts and global_step % 4 == 0:
            batch = random.sample(rb, args.batch_size)
            o, a, r, no, d = (torch.as_tensor(np.array(v)) for v in zip(*batch))
            target_max = target_network(no).max(dim=1).values.detach()
            td_target = r.float() + args.gamma * target_max * (1 - d.float())
            old_val = q_network(o).gather(1, a.long()[:, None]).squeeze(1)
            loss = F.mse_loss(td_target, old_val)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if global_step % 1000 == 0:
                print(f"step {global_step} td_loss {loss.item():.4f} q {old_val.mean().item():.2f} eps {epsilon:.2f}")

        if global_step % args.target_network_frequency == 0:
            for tp, qp in zip(target_network.parameters(), q_network.parameters()):
                tp.data.copy_(args.tau * qp.data + (1.0 - args.tau) * tp.data)

    torch.save(q_network.state_dict(), "dqn_cartpole.pt")


if __name__ == "__main__":
    main()
