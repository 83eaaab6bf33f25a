# expect: TVL001
# style: CleanRL-like single-file PPO-ish actor-critic, inline
# bug: the `with torch.no_grad():` block meant only for bootstrap targets also encloses the policy/value forward whose outputs form the loss that is backpropagated
import argparse
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions import Categorical


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.critic = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 1), std=1.0),
        )
        self.actor = nn.Sequential(
            layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, 64)), nn.Tanh(),
            layer_init(nn.Linear(64, n_actions), std=0.01),
        )

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        logits = self.actor(x)
        dist = Categorical(logits=logits)
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


def fake_rollout(num_steps, obs_dim, n_actions):
    obs = torch.randn(num_steps + 1, obs_dim)
    actions = torch.randint(0, n_actions, (num_steps,))
    rewards = torch.randn(num_steps)
    dones = (torch.rand(num_steps) < 0.05).float()
    return obs, actions, rewards, dones


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--total-updates", type=int, default=200)
    parser.add_argument("--num-steps", type=int, default=128)
    parser.add_argument("--gamma", type=float, default=0.99)
    parser.add_argument("--lr", type=float, default=2.5e-4)
    parser.add_argument("--ent-coef", type=float, default=0.01)
    parser.add_argument("--vf-coef", type=float, default=0.5)
    parser.add_argument("--max-grad-norm", type=float, default=0.5)
    args = parser.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    obs_dim, n_actions = 8, 4

    agent = Agent(obs_dim, n_actions)
    optimizer = optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    start = time.time()

    for update in range(1, args.total_updates + 1):
        frac = 1.0 - (update - 1.0) / args.total_updates
        optimizer.param_groups[0]["lr"] = frac * args.lr

        obs, actions, rewards, dones = fake_rollout(args.num_steps, obs_dim, n_actions)

        with torch.no_grad():
            next_value = agent.get_value(obs[-1:]).squeeze()
            returns = torch.zeros_like(rewards)
            running = next_value
            for t in reversed(range(args.num_steps)):
                running = rewards[t] + args.gamma * running * (1.0 - dones[t])
                returns[t] = running

            _, logprob, entropy, value = agent.get_action_and_value(obs[:-1], actions)
            advantages = returns - value.squeeze(-1)
            advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)

            pg_loss = -(advantages * logprob).mean()
            v_loss = 0.5 * ((value.squeeze(-1) - returns) ** 2).mean()
            loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * entropy.mean()

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
        optimizer.step()

        if update % 10 == 0:
            sps = int(update * args.num_steps / (time.time() - start))
            print(f"update={update} loss={loss.item():.4f} pg={pg_loss.item():.4f} "
                  f"v={v_loss.item():.4f} sps={sps}")
