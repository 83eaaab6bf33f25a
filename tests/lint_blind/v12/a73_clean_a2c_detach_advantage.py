# expect: clean
# style: A2C actor-critic with a shared trunk, losses assembled in a separate function, GAE
# note: advantages and returns are .detach()ed, which looks like cutting the graph, but the policy loss still depends on log_probs and the value loss on values, so every path from the model to the loss survives
import argparse

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_actions, hidden=128):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh())
        self.pi = nn.Linear(hidden, n_actions)
        self.v = nn.Linear(hidden, 1)

    def forward(self, obs):
        h = self.trunk(obs)
        return self.pi(h), self.v(h).squeeze(-1)


def gae(rewards, values, dones, last_value, gamma=0.99, lam=0.95):
    adv = torch.zeros_like(rewards)
    last = 0.0
    for t in reversed(range(len(rewards))):
        nxt = last_value if t == len(rewards) - 1 else values[t + 1]
        delta = rewards[t] + gamma * nxt * (1 - dones[t]) - values[t]
        last = delta + gamma * lam * (1 - dones[t]) * last
        adv[t] = last
    return adv


def a2c_loss(logits, values, actions, rewards, dones, last_value, vf_coef=0.5, ent_coef=0.01):
    dist = Categorical(logits=logits)
    log_probs = dist.log_prob(actions)
    adv = gae(rewards, values.detach(), dones, last_value)
    returns = (adv + values.detach())
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    policy_loss = -(log_probs * adv.detach()).mean()
    value_loss = F.mse_loss(values, returns)
    entropy = dist.entropy().mean()
    return policy_loss + vf_coef * value_loss - ent_coef * entropy, {
        "pi": policy_loss.item(), "v": value_loss.item(), "ent": entropy.item()}


def rollout(model, n_steps, obs_dim, n_actions):
    obs = torch.randn(n_steps, obs_dim)
    logits, values = model(obs)
    actions = Categorical(logits=logits).sample()
    rewards = (actions == (obs[:, 0] > 0).long()).float()
    dones = torch.from_numpy((np.random.rand(n_steps) < 0.02).astype(np.float32))
    with torch.no_grad():
        _, last_value = model(torch.randn(1, obs_dim))
    return logits, values, actions, rewards, dones, last_value.squeeze(0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=3000)
    ap.add_argument("--n-steps", type=int, default=64)
    ap.add_argument("--lr", type=float, default=7e-4)
    args = ap.parse_args()
    obs_dim, n_actions = 16, 4
    model = ActorCritic(obs_dim, n_actions)
    opt = torch.optim.RMSprop(model.parameters(), lr=args.lr, alpha=0.99, eps=1e-5)
    hist = []
    for update in range(args.updates):
        model.train()
        batch = rollout(model, args.n_steps, obs_dim, n_actions)
        loss, info = a2c_loss(*batch)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.5)
        opt.step()
        hist.append(batch[3].mean().item())
        if update % 100 == 0:
            print(f"update {update} reward {np.mean(hist[-100:]):.3f} pi {info['pi']:.3f} v {info['v']:.3f} ent {info['ent']:.3f}")
    torch.save(model.state_dict(), "a2c.pt")


if __name__ == "__main__":
    main()
