# expect: clean
"""Discrete actor-critic with a learned entropy coefficient, written as a small agent class: the
policy learns from its own loss, and the temperature's loss uses the policy's entropy detached
(only the plain `log_coef` tensor should move there), all in one update method."""
import torch
import torch.nn as nn


class Agent:
    def __init__(self, obs_dim=8, n_actions=4):
        self.policy = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))
        self.log_coef = torch.zeros((), requires_grad=True)
        self.pi_opt = torch.optim.Adam(self.policy.parameters(), lr=3e-4)
        self.coef_opt = torch.optim.Adam([self.log_coef], lr=1e-3)
        self.target_entropy = 0.5

    def update(self, obs, actions, adv):
        dist = torch.distributions.Categorical(logits=self.policy(obs))
        entropy = dist.entropy().mean()
        pi_loss = -(dist.log_prob(actions) * adv).mean() - self.log_coef.exp().item() * entropy
        self.pi_opt.zero_grad()
        pi_loss.backward()
        self.pi_opt.step()
        coef_loss = self.log_coef * (entropy.detach() - self.target_entropy)
        self.coef_opt.zero_grad()
        coef_loss.backward()
        self.coef_opt.step()


agent = Agent()
for it in range(100):
    agent.update(torch.randn(32, 8), torch.randint(0, 4, (32,)), torch.randn(32))
