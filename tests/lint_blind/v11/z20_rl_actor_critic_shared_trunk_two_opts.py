# expect: TVL006
# style: actor-critic with a shared trunk, separate actor and critic optimizers built in a setup method
# bug: both optimizers include `self.net.trunk` parameters (the actor opt via actor_parameters(), the critic opt via critic_parameters()), so the shared trunk is owned by two optimizers
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, n_act, hidden=128):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.pi = nn.Linear(hidden, n_act)
        self.v = nn.Linear(hidden, 1)

    def forward(self, obs):
        h = self.trunk(obs)
        return Categorical(logits=self.pi(h)), self.v(h).squeeze(-1)

    def actor_parameters(self):
        return list(self.trunk.parameters()) + list(self.pi.parameters())

    def critic_parameters(self):
        return list(self.trunk.parameters()) + list(self.v.parameters())


class A2CAgent:
    def __init__(self, obs_dim, n_act, actor_lr=7e-4, critic_lr=1e-3, gamma=0.99, ent_coef=0.01):
        self.net = ActorCritic(obs_dim, n_act)
        self.gamma, self.ent_coef = gamma, ent_coef
        self.setup_optimizers(actor_lr, critic_lr)

    def setup_optimizers(self, actor_lr, critic_lr):
        self.actor_opt = torch.optim.Adam(self.net.actor_parameters(), lr=actor_lr)
        self.critic_opt = torch.optim.Adam(self.net.critic_parameters(), lr=critic_lr)

    def update(self, obs, actions, rewards, dones, last_value):
        returns, g = [], last_value
        for r, d in zip(reversed(rewards), reversed(dones)):
            g = r + self.gamma * g * (1.0 - d)
            returns.append(g)
        returns = torch.tensor(returns[::-1], dtype=torch.float32)
        dist, values = self.net(obs)
        adv = returns - values.detach()
        actor_loss = -(dist.log_prob(actions) * adv).mean() - self.ent_coef * dist.entropy().mean()
        critic_loss = F.mse_loss(values, returns)
        self.actor_opt.zero_grad()
        self.critic_opt.zero_grad()
        (actor_loss + 0.5 * critic_loss).backward()
        nn.utils.clip_grad_norm_(self.net.parameters(), 0.5)
        self.actor_opt.step()
        self.critic_opt.step()
        return actor_loss.item(), critic_loss.item()


def collect(agent, n_steps, obs_dim, rng):
    obs = torch.tensor(rng.normal(size=(n_steps, obs_dim)), dtype=torch.float32)
    with torch.no_grad():
        dist, _ = agent.net(obs)
        acts = dist.sample()
    rewards = (acts.numpy() == (obs[:, 0] > 0).long().numpy()).astype(np.float32).tolist()
    dones = [float(i % 50 == 49) for i in range(n_steps)]
    return obs, acts, rewards, dones


if __name__ == "__main__":
    rng = np.random.default_rng(0)
    agent = A2CAgent(obs_dim=6, n_act=2)
    for it in range(300):
        obs, acts, rew, dones = collect(agent, 64, 6, rng)
        al, cl = agent.update(obs, acts, rew, dones, last_value=0.0)
        if it % 30 == 0:
            print(f"iter {it} actor {al:.3f} critic {cl:.3f} mean_r {np.mean(rew):.3f}")
