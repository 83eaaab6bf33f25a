# expect: TVL009
# style: RL PPO agent class with separate actor/critic networks and a minibatch update method
# bug: Critic ends in nn.Linear(64, 1) so values are (B, 1), while returns from compute_gae are (B,); F.smooth_l1_loss broadcasts them to (B, B) in update()
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Normal


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.mu = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.log_std = nn.Parameter(torch.full((act_dim,), -0.5))

    def dist(self, obs):
        return Normal(self.mu(obs), self.log_std.exp())


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.v = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def forward(self, obs):
        return self.v(obs)


def compute_gae(rewards, values, dones, last_value, gamma=0.99, lam=0.95):
    T = len(rewards)
    adv = np.zeros(T, dtype=np.float32)
    gae = 0.0
    for t in reversed(range(T)):
        nv = last_value if t == T - 1 else values[t + 1]
        delta = rewards[t] + gamma * nv * (1 - dones[t]) - values[t]
        gae = delta + gamma * lam * (1 - dones[t]) * gae
        adv[t] = gae
    return adv, adv + values


class PPOAgent:
    def __init__(self, obs_dim, act_dim, lr=3e-4, clip=0.2, epochs=10, minibatch=64):
        self.actor, self.critic = Actor(obs_dim, act_dim), Critic(obs_dim)
        self.pi_opt = torch.optim.Adam(self.actor.parameters(), lr=lr)
        self.v_opt = torch.optim.Adam(self.critic.parameters(), lr=lr * 3)
        self.clip, self.epochs, self.minibatch = clip, epochs, minibatch

    @torch.no_grad()
    def act(self, obs):
        d = self.actor.dist(torch.as_tensor(obs, dtype=torch.float32))
        a = d.sample()
        return a.numpy(), d.log_prob(a).sum(-1).item(), self.critic(torch.as_tensor(obs, dtype=torch.float32)).item()

    def update(self, obs, acts, old_logp, adv, returns):
        obs, acts = torch.as_tensor(obs), torch.as_tensor(acts)
        old_logp, adv, returns = map(torch.as_tensor, (old_logp, adv, returns))
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        n = len(obs)
        for _ in range(self.epochs):
            for idx in torch.randperm(n).split(self.minibatch):
                logp = self.actor.dist(obs[idx]).log_prob(acts[idx]).sum(-1)
                ratio = (logp - old_logp[idx]).exp()
                pi_loss = -torch.min(ratio * adv[idx], ratio.clamp(1 - self.clip, 1 + self.clip) * adv[idx]).mean()
                self.pi_opt.zero_grad()
                pi_loss.backward()
                self.pi_opt.step()

                v_loss = F.smooth_l1_loss(self.critic(obs[idx]), returns[idx])
                self.v_opt.zero_grad()
                v_loss.backward()
                self.v_opt.step()
        return pi_loss.item(), v_loss.item()


def rollout(agent, horizon, obs_dim, rng):
    obs_buf, act_buf, logp_buf, rew_buf, done_buf, val_buf = [], [], [], [], [], []
    obs = rng.normal(size=obs_dim).astype(np.float32)
    for _ in range(horizon):
        a, lp, v = agent.act(obs)
        rew = -float(np.sum((a - obs[: len(a)]) ** 2))
        done = rng.random() < 0.01
        obs_buf.append(obs); act_buf.append(a.astype(np.float32)); logp_buf.append(lp)
        rew_buf.append(rew); done_buf.append(float(done)); val_buf.append(v)
        obs = rng.normal(size=obs_dim).astype(np.float32)
    _, _, last_v = agent.act(obs)
    adv, ret = compute_gae(np.array(rew_buf), np.array(val_buf, dtype=np.float32), np.array(done_buf), last_v)
    return (np.stack(obs_buf), np.stack(act_buf), np.array(logp_buf, dtype=np.float32), adv, ret.astype(np.float32),
            float(np.mean(rew_buf)))


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    agent = PPOAgent(obs_dim=6, act_dim=2)
    for it in range(200):
        obs, acts, logp, adv, ret, mean_r = rollout(agent, 2048, 6, rng)
        pl, vl = agent.update(obs, acts, logp, adv, ret)
        if it % 10 == 0:
            print(f"iter {it} mean_reward {mean_r:.3f} pi_loss {pl:.4f} v_loss {vl:.4f}")
    torch.save({"actor": agent.actor.state_dict(), "critic": agent.critic.state_dict()}, "ppo_agent.pt")
