# expect: clean
# An actor-critic agent as a class: update() clears both optimizers before their backward.
import torch
import torch.nn as nn


class Agent:
    def __init__(self, obs_dim, n_actions):
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor_optim = torch.optim.Adam(self.actor.parameters(), lr=3e-4)
        self.critic_optim = torch.optim.Adam(self.critic.parameters(), lr=1e-3)

    def update(self, obs, actions, returns):
        values = self.critic(obs).squeeze(-1)
        self.critic_optim.zero_grad()
        (returns - values).pow(2).mean().backward()
        self.critic_optim.step()
        advantage = (returns - values).detach()
        self.actor_optim.zero_grad()
        logp = torch.log_softmax(self.actor(obs), -1).gather(1, actions[:, None]).squeeze(1)
        (-(logp * advantage).mean()).backward()
        self.actor_optim.step()


agent = Agent(8, 4)
for it in range(500):
    obs, actions, returns = torch.randn(32, 8), torch.randint(0, 4, (32,)), torch.randn(32)
    agent.update(obs, actions, returns)
