# expect: clean
# style: RL actor-critic agent class (continuous control) with a critic ending in nn.Linear(64, 1) and returns of shape (B,)
# note: the critic head is nn.Linear(64, 1) and the returns are 1-D, but Critic.forward squeezes the last dim and the value loss asserts matching shapes, so F.mse_loss sees (B,) vs (B,)
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal


class Policy(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.mu = nn.Linear(64, act_dim)
        self.log_std = nn.Parameter(torch.zeros(act_dim))

    def forward(self, obs):
        return Normal(self.mu(self.body(obs)), self.log_std.exp())


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, obs):
        return self.net(obs).squeeze(-1)


def discounted_returns(rewards, dones, last_value, gamma=0.99):
    out = np.zeros_like(rewards)
    running = last_value
    for t in reversed(range(len(rewards))):
        running = rewards[t] + gamma * running * (1.0 - dones[t])
        out[t] = running
    return out


class A2CAgent:
    def __init__(self, obs_dim, act_dim, lr=7e-4):
        self.pi, self.v = Policy(obs_dim, act_dim), Critic(obs_dim)
        self.opt = torch.optim.Adam(list(self.pi.parameters()) + list(self.v.parameters()), lr=lr)

    @torch.no_grad()
    def act(self, obs):
        o = torch.as_tensor(obs, dtype=torch.float32)
        a = self.pi(o).sample()
        return a.numpy(), self.v(o).item()

    def update(self, obs, acts, returns):
        obs = torch.as_tensor(obs, dtype=torch.float32)
        acts = torch.as_tensor(acts, dtype=torch.float32)
        returns = torch.as_tensor(returns, dtype=torch.float32)
        values = self.v(obs)
        assert values.shape == returns.shape, (values.shape, returns.shape)
        adv = (returns - values).detach()
        dist = self.pi(obs)
        pi_loss = -(dist.log_prob(acts).sum(-1) * adv).mean()
        v_loss = F.mse_loss(values, returns)
        ent = dist.entropy().sum(-1).mean()
        loss = pi_loss + 0.5 * v_loss - 1e-3 * ent
        self.opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(list(self.pi.parameters()) + list(self.v.parameters()), 0.5)
        self.opt.step()
        return pi_loss.item(), v_loss.item()


def env_step(obs, action, rng):
    reward = -float(np.sum((action - np.tanh(obs[:2])) ** 2))
    return rng.normal(size=obs.shape).astype(np.float32), reward, rng.random() < 0.02


if __name__ == "__main__":
    rng = np.random.default_rng(1)
    agent = A2CAgent(obs_dim=8, act_dim=2)
    obs = rng.normal(size=8).astype(np.float32)
    for it in range(3000):
        O, A, R, D = [], [], [], []
        for _ in range(16):
            a, _ = agent.act(obs)
            nxt, r, d = env_step(obs, a, rng)
            O.append(obs); A.append(a); R.append(r); D.append(float(d))
            obs = nxt
        _, last_v = agent.act(obs)
        ret = discounted_returns(np.array(R, np.float32), np.array(D, np.float32), last_v)
        pl, vl = agent.update(np.stack(O), np.stack(A), ret)
        if it % 200 == 0:
            print(f"it {it} reward {np.mean(R):.3f} pi {pl:.4f} v {vl:.4f}")
    torch.save({"pi": agent.pi.state_dict(), "v": agent.v.state_dict()}, "a2c_cont.pt")
