# expect: clean
# style: SAC (soft actor-critic) agent class with three optimizers, continuous-control RL with a replay buffer
# note: several optimizers over one agent look like TVL006, but actor, twin critics and log_alpha are disjoint parameter sets; the actor loss also backprops into the critics, which is harmless because critic_opt.zero_grad() runs before every critic backward. log_alpha is a bare tensor with requires_grad=True, but SAC is not an nn.Module and the tensor is handed to its own Adam optimizer.
import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(i, o, h=256):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o))


class Actor(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.net = mlp(obs, 2 * act)

    def forward(self, o):
        mu, log_std = self.net(o).chunk(2, -1)
        std = log_std.clamp(-5, 2).exp()
        u = mu + std * torch.randn_like(mu)
        a = torch.tanh(u)
        logp = (-0.5 * ((u - mu) / std) ** 2 - std.log() - 0.5 * np.log(2 * np.pi)).sum(-1)
        logp = logp - torch.log(1 - a.pow(2) + 1e-6).sum(-1)
        return a, logp


class TwinQ(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.q1, self.q2 = mlp(obs + act, 1), mlp(obs + act, 1)

    def forward(self, o, a):
        x = torch.cat([o, a], -1)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)


class SAC:
    def __init__(self, obs, act, lr=3e-4, gamma=0.99, tau=0.005):
        self.actor, self.critic = Actor(obs, act), TwinQ(obs, act)
        self.critic_targ = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.target_entropy = -act
        self.actor_opt = torch.optim.Adam(self.actor.parameters(), lr=lr)
        self.critic_opt = torch.optim.Adam(self.critic.parameters(), lr=lr)
        self.alpha_opt = torch.optim.Adam([self.log_alpha], lr=lr)
        self.gamma, self.tau = gamma, tau

    def update(self, o, a, r, o2, d):
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = self.actor(o2)
            tq1, tq2 = self.critic_targ(o2, a2)
            backup = r + self.gamma * (1 - d) * (torch.min(tq1, tq2) - alpha * logp2)
        q1, q2 = self.critic(o, a)
        critic_loss = F.mse_loss(q1, backup) + F.mse_loss(q2, backup)
        self.critic_opt.zero_grad()
        critic_loss.backward()
        self.critic_opt.step()

        pi, logp = self.actor(o)
        q_pi = torch.min(*self.critic(o, pi))
        actor_loss = (alpha * logp - q_pi).mean()
        self.actor_opt.zero_grad()
        actor_loss.backward()
        self.actor_opt.step()

        alpha_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
        self.alpha_opt.zero_grad()
        alpha_loss.backward()
        self.alpha_opt.step()

        with torch.no_grad():
            for p, pt in zip(self.critic.parameters(), self.critic_targ.parameters()):
                pt.mul_(1 - self.tau).add_(self.tau * p)
        return critic_loss.item(), actor_loss.item(), alpha.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    obs_dim, act_dim, N = 17, 6, 100000
    buf = {k: torch.randn(N, n) for k, n in (("o", obs_dim), ("a", act_dim), ("o2", obs_dim))}
    buf["r"], buf["d"] = torch.randn(N), (torch.rand(N) < 0.01).float()
    agent = SAC(obs_dim, act_dim)
    for t in range(args.steps):
        idx = torch.randint(0, N, (args.batch,))
        cl, al, alpha = agent.update(buf["o"][idx], buf["a"][idx].tanh(), buf["r"][idx], buf["o2"][idx], buf["d"][idx])
        if t % 1000 == 0:
            print(f"t={t} critic={cl:.3f} actor={al:.3f} alpha={alpha:.3f}")
