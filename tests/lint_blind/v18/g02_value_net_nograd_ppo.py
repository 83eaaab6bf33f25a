# expect: TVL001
# style: CleanRL-like single-file A2C on a toy env, shared optimizer over actor and critic
# bug: get_value() runs the critic under torch.no_grad(), and it is the only path from the critic to the value loss, so the critic in the optimizer never learns (the policy loss keeps backward() working).
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class ToyEnv:
    """A tiny chain environment: reach the right end."""

    def __init__(self, n=8, seed=0):
        self.n = n
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.pos = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, a):
        self.pos = max(0, min(self.n - 1, self.pos + (1 if a == 1 else -1)))
        done = self.pos == self.n - 1
        return self._obs(), (1.0 if done else -0.01), done


def layer_init(layer, std=np.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), std=1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, n_actions), std=0.01))

    def get_value(self, x):
        with torch.no_grad():
            return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


def compute_returns(rewards, dones, last_value, gamma):
    returns = torch.zeros_like(rewards)
    running = last_value
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        returns[t] = running
    return returns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-steps", type=int, default=20000)
    ap.add_argument("--rollout", type=int, default=64)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--lr", type=float, default=7e-4)
    ap.add_argument("--vf-coef", type=float, default=0.5)
    ap.add_argument("--ent-coef", type=float, default=0.01)
    args = ap.parse_args()

    env = ToyEnv()
    agent = Agent(env.n, 2)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)

    obs = torch.tensor(env.reset())
    ep_ret, ep_returns, start = 0.0, [], time.time()
    for update in range(args.total_steps // args.rollout):
        obs_buf, act_buf, rew_buf, done_buf = [], [], [], []
        for _ in range(args.rollout):
            with torch.no_grad():
                action, _, _, _ = agent.get_action_and_value(obs.unsqueeze(0))
            nxt, r, d = env.step(action.item())
            obs_buf.append(obs)
            act_buf.append(action.squeeze(0))
            rew_buf.append(r)
            done_buf.append(float(d))
            ep_ret += r
            if d:
                ep_returns.append(ep_ret)
                ep_ret = 0.0
                nxt = env.reset()
            obs = torch.tensor(nxt)

        b_obs = torch.stack(obs_buf)
        b_act = torch.stack(act_buf)
        rewards = torch.tensor(rew_buf)
        dones = torch.tensor(done_buf)
        returns = compute_returns(rewards, dones, agent.get_value(obs.unsqueeze(0)).squeeze(0), args.gamma)

        _, logp, entropy, values = agent.get_action_and_value(b_obs, b_act)
        advantages = (returns - values).detach()
        pg_loss = -(logp * advantages).mean()
        v_loss = 0.5 * ((values - returns) ** 2).mean()
        loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * entropy.mean()

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
        optimizer.step()

        if update % 20 == 0 and ep_returns:
            print(f"update {update} mean_return {np.mean(ep_returns[-20:]):.3f} "
                  f"v_loss {v_loss.item():.4f} sps {int((update + 1) * args.rollout / (time.time() - start))}")


if __name__ == "__main__":
    main()
