# expect: clean
# style: CleanRL-style SAC with separate actor/critic/alpha optimizers and target critics under no_grad
# note: three optimizers over disjoint parameter sets (actor, the two Q-nets, a standalone log_alpha tensor with requires_grad=True as in CleanRL); target Q-values come from frozen target nets under torch.no_grad(), and Q-net grads left by the actor loss are cleared by q_opt.zero_grad() before the next critic step.
import argparse
import copy

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class ReplayBuffer:
    def __init__(self, obs_dim, act_dim, size=100_000):
        self.o = np.zeros((size, obs_dim), np.float32); self.a = np.zeros((size, act_dim), np.float32)
        self.r = np.zeros(size, np.float32); self.o2 = np.zeros((size, obs_dim), np.float32)
        self.d = np.zeros(size, np.float32); self.ptr, self.n, self.size = 0, 0, size

    def add(self, o, a, r, o2, d):
        self.o[self.ptr], self.a[self.ptr], self.r[self.ptr], self.o2[self.ptr], self.d[self.ptr] = o, a, r, o2, d
        self.ptr = (self.ptr + 1) % self.size; self.n = min(self.n + 1, self.size)

    def sample(self, bs):
        i = np.random.randint(0, self.n, bs)
        return [torch.as_tensor(x[i]) for x in (self.o, self.a, self.r, self.o2, self.d)]


def mlp(i, o, h=256):
    return nn.Sequential(nn.Linear(i, h), nn.ReLU(), nn.Linear(h, h), nn.ReLU(), nn.Linear(h, o))


class QNet(nn.Module):
    def __init__(self, od, ad):
        super().__init__()
        self.q = mlp(od + ad, 1)

    def forward(self, o, a):
        return self.q(torch.cat([o, a], -1)).squeeze(-1)


class Actor(nn.Module):
    def __init__(self, od, ad):
        super().__init__()
        self.body = mlp(od, 2 * ad)

    def forward(self, o):
        mu, log_std = self.body(o).chunk(2, -1)
        std = log_std.clamp(-5, 2).exp()
        u = mu + std * torch.randn_like(mu)
        a = torch.tanh(u)
        logp = (-0.5 * ((u - mu) / std) ** 2 - log_std.clamp(-5, 2) - 0.5 * np.log(2 * np.pi)).sum(-1)
        logp = logp - torch.log(1 - a.pow(2) + 1e-6).sum(-1)
        return a, logp


def toy_env_step(o, a):
    o2 = np.clip(o + 0.1 * np.concatenate([a, a])[: len(o)], -3, 3)
    return o2.astype(np.float32), float(-np.square(o2).sum()), False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--tau", type=float, default=0.005)
    args = ap.parse_args()
    od, ad = 4, 2
    actor, q1, q2 = Actor(od, ad), QNet(od, ad), QNet(od, ad)
    q1_t, q2_t = copy.deepcopy(q1), copy.deepcopy(q2)
    for p in list(q1_t.parameters()) + list(q2_t.parameters()):
        p.requires_grad_(False)
    log_alpha = torch.zeros(1, requires_grad=True)
    actor_opt = torch.optim.Adam(actor.parameters(), lr=3e-4)
    q_opt = torch.optim.Adam(list(q1.parameters()) + list(q2.parameters()), lr=1e-3)
    a_opt = torch.optim.Adam([log_alpha], lr=3e-4)
    target_entropy = -float(ad)
    buf = ReplayBuffer(od, ad)
    o = np.random.uniform(-1, 1, od).astype(np.float32)
    for t in range(args.steps):
        with torch.no_grad():
            a = actor(torch.as_tensor(o)[None])[0][0].numpy() if t > 1000 else np.random.uniform(-1, 1, ad)
        o2, r, d = toy_env_step(o, a)
        buf.add(o, a, r, o2, d)
        o = o2 if t % 200 else np.random.uniform(-1, 1, od).astype(np.float32)
        if t < 1000:
            continue
        ob, ab, rb, o2b, db = buf.sample(256)
        alpha = log_alpha.exp().detach()
        with torch.no_grad():
            a2, logp2 = actor(o2b)
            target = rb + args.gamma * (1 - db) * (torch.min(q1_t(o2b, a2), q2_t(o2b, a2)) - alpha * logp2)
        q_loss = F.mse_loss(q1(ob, ab), target) + F.mse_loss(q2(ob, ab), target)
        q_opt.zero_grad(); q_loss.backward(); q_opt.step()

        pi, logp = actor(ob)
        actor_loss = (alpha * logp - torch.min(q1(ob, pi), q2(ob, pi))).mean()
        actor_opt.zero_grad(); actor_loss.backward(); actor_opt.step()

        alpha_loss = -(log_alpha * (logp.detach() + target_entropy)).mean()
        a_opt.zero_grad(); alpha_loss.backward(); a_opt.step()

        with torch.no_grad():
            for net, tgt in ((q1, q1_t), (q2, q2_t)):
                for p, pt in zip(net.parameters(), tgt.parameters()):
                    pt.mul_(1 - args.tau).add_(args.tau * p)
        if t % 1000 == 0:
            print(f"t {t} q_loss {q_loss.item():.3f} actor {actor_loss.item():.3f} alpha {alpha.item():.3f}")


if __name__ == "__main__":
    main()
