# expect: clean
# style: SpinningUp/cleanrl-like PPO with separate actor and critic optimizers (continuous actions)
# note: rollouts under no_grad (no eval() toggling), old log-probs/advantages fixed tensors, two disjoint optimizers
import argparse

import torch
import torch.nn as nn
from torch.distributions import Normal


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.mu = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.log_std = nn.Parameter(-0.5 * torch.ones(act_dim))

    def dist(self, obs):
        return Normal(self.mu(obs), self.log_std.exp())


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.v = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, obs):
        return self.v(obs).squeeze(-1)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--steps", type=int, default=512)
    p.add_argument("--train_iters", type=int, default=20)
    p.add_argument("--clip_ratio", type=float, default=0.2)
    args = p.parse_args()
    obs_dim, act_dim = 6, 2
    actor, critic = Actor(obs_dim, act_dim), Critic(obs_dim)
    pi_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
    vf_optimizer = torch.optim.Adam(critic.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        obs = torch.randn(args.steps, obs_dim)
        with torch.no_grad():
            d = actor.dist(obs)
            act = d.sample()
            logp_old = d.log_prob(act).sum(-1)
            rew = -act.pow(2).sum(-1) + torch.randn(args.steps) * 0.1
            ret = torch.flip(torch.cumsum(torch.flip(rew, [0]), 0), [0])
            adv = ret - critic(obs)
            adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        for _ in range(args.train_iters):
            logp = actor.dist(obs).log_prob(act).sum(-1)
            ratio = torch.exp(logp - logp_old)
            loss_pi = -torch.min(ratio * adv, ratio.clamp(1 - args.clip_ratio, 1 + args.clip_ratio) * adv).mean()
            pi_optimizer.zero_grad()
            loss_pi.backward()
            pi_optimizer.step()
        for _ in range(args.train_iters):
            loss_v = ((critic(obs) - ret) ** 2).mean()
            vf_optimizer.zero_grad()
            loss_v.backward()
            vf_optimizer.step()
        print(f"epoch {epoch} LossPi {loss_pi.item():.4f} LossV {loss_v.item():.4f} AvgRet {ret.mean().item():.2f}")


if __name__ == "__main__":
    main()
