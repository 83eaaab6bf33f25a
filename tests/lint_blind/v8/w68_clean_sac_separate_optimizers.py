# expect: clean
# style: SAC-style actor-critic with three optimizers (actor, twin critics, temperature) built in an agent class
# note: three optimizers on one agent looks like TVL006 (partial/overlapping), but they cover disjoint parameter sets (actor, critics, log_alpha); target critics have requires_grad False and are updated by Polyak averaging under no_grad
import argparse
import copy
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def mlp(i, o, h=256):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o))


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.net = mlp(obs_dim, 2 * act_dim)

    def forward(self, obs):
        mu, log_std = self.net(obs).chunk(2, -1)
        std = log_std.clamp(-5, 2).exp()
        u = mu + std * torch.randn_like(mu)
        a = torch.tanh(u)
        logp = (-0.5 * ((u - mu) / std) ** 2 - std.log() - 0.5 * np.log(2 * np.pi)).sum(-1)
        logp = logp - torch.log(1 - a.pow(2) + 1e-6).sum(-1)
        return a, logp


class TwinQ(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.q1, self.q2 = mlp(obs_dim + act_dim, 1), mlp(obs_dim + act_dim, 1)

    def forward(self, o, a):
        x = torch.cat([o, a], -1)
        return self.q1(x).squeeze(-1), self.q2(x).squeeze(-1)


class SACAgent:
    def __init__(self, obs_dim, act_dim, lr=3e-4, gamma=0.99, tau=0.005):
        self.actor, self.critic = Actor(obs_dim, act_dim), TwinQ(obs_dim, act_dim)
        self.critic_targ = copy.deepcopy(self.critic).requires_grad_(False)
        self.log_alpha = torch.zeros(1, requires_grad=True)
        self.target_entropy = -float(act_dim)
        self.pi_opt = torch.optim.Adam(self.actor.parameters(), lr=lr)
        self.q_opt = torch.optim.Adam(self.critic.parameters(), lr=lr)
        self.a_opt = torch.optim.Adam([self.log_alpha], lr=lr)
        self.gamma, self.tau = gamma, tau

    def update(self, o, a, r, o2, d):
        alpha = self.log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = self.actor(o2)
            tq1, tq2 = self.critic_targ(o2, a2)
            backup = r + self.gamma * (1 - d) * (torch.min(tq1, tq2) - alpha * logp2)
        q1, q2 = self.critic(o, a)
        q_loss = F.mse_loss(q1, backup) + F.mse_loss(q2, backup)
        self.q_opt.zero_grad()
        q_loss.backward()
        self.q_opt.step()

        self.critic.requires_grad_(False)
        pi, logp = self.actor(o)
        pi_loss = (alpha * logp - torch.min(*self.critic(o, pi))).mean()
        self.pi_opt.zero_grad()
        pi_loss.backward()
        self.pi_opt.step()
        self.critic.requires_grad_(True)

        a_loss = -(self.log_alpha * (logp.detach() + self.target_entropy)).mean()
        self.a_opt.zero_grad()
        a_loss.backward()
        self.a_opt.step()

        with torch.no_grad():
            for p, pt in zip(self.critic.parameters(), self.critic_targ.parameters()):
                pt.mul_(1 - self.tau).add_(self.tau * p)
        return q_loss.item(), pi_loss.item(), alpha.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=50_000)
    ap.add_argument("--batch", type=int, default=256)
    args = ap.parse_args()
    obs_dim, act_dim = 8, 2
    agent = SACAgent(obs_dim, act_dim)
    buf_o, buf_a, buf_r, buf_o2, buf_d = [], [], [], [], []
    o = np.random.randn(obs_dim).astype(np.float32)
    for t in range(args.steps):
        if t < 5000:
            a = np.random.uniform(-1, 1, act_dim).astype(np.float32)
        else:
            with torch.no_grad():
                a = agent.actor(torch.from_numpy(o))[0].numpy()
        o2 = (o + 0.1 * np.concatenate([a, np.zeros(obs_dim - act_dim)])).astype(np.float32)
        r = -float(np.square(o2).sum())
        d = float(random.random() < 0.005)
        for buf, v in zip((buf_o, buf_a, buf_r, buf_o2, buf_d), (o, a, r, o2, d)):
            buf.append(v)
        o = np.random.randn(obs_dim).astype(np.float32) if d else o2
        if t >= 1000:
            idx = np.random.randint(0, len(buf_o), args.batch)
            batch = [torch.tensor(np.asarray(b)[idx], dtype=torch.float32) for b in (buf_o, buf_a, buf_r, buf_o2, buf_d)]
            ql, pl, al = agent.update(*batch)
            if t % 5000 == 0:
                print(f"t={t} q_loss={ql:.3f} pi_loss={pl:.3f} alpha={al:.3f}")
    torch.save({"actor": agent.actor.state_dict(), "critic": agent.critic.state_dict()}, "sac.pt")


if __name__ == "__main__":
    main()
