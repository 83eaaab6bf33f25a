# zoo: healthy
"""Healthy: REINFORCE with a learned value baseline on a small corridor environment written in
torch (walk left/right to reach the goal within 20 moves; -0.05 per move, +1 at the goal). The
policy and value networks share nothing and have their own Adam optimizers; the policy loss is
-log π(a|s) · advantage with an entropy bonus, the value loss an MSE to the returns."""

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

size, horizon, episodes = 10, 20, 16
g = torch.Generator().manual_seed(0)


def observe(pos: torch.Tensor) -> torch.Tensor:
    return F.one_hot(pos, size).float()


policy = nn.Sequential(nn.Linear(size, 32), nn.Tanh(), nn.Linear(32, 2))
value = nn.Sequential(nn.Linear(size, 32), nn.Tanh(), nn.Linear(32, 1))
opt_pi = torch.optim.Adam(policy.parameters(), lr=1e-2)
opt_v = torch.optim.Adam(value.parameters(), lr=1e-2)
for update in range(150):
    pos = torch.randint(0, size - 1, (episodes,), generator=g)
    alive = torch.ones(episodes, dtype=torch.bool)
    logps, states, rewards, masks, entropies = [], [], [], [], []
    for _ in range(horizon):
        obs = observe(pos)
        dist = torch.distributions.Categorical(logits=policy(obs))
        action = dist.sample()
        pos = (pos + 2 * action - 1).clamp(0, size - 1)
        reached = (pos == size - 1) & alive
        rewards.append(torch.where(reached, 1.0, -0.05) * alive)
        logps.append(dist.log_prob(action))
        entropies.append(dist.entropy())
        states.append(obs)
        masks.append(alive.float())
        alive = alive & ~reached
    returns, running = [], torch.zeros(episodes)
    for r in reversed(rewards):
        running = r + 0.99 * running
        returns.insert(0, running)
    returns, mask = torch.stack(returns), torch.stack(masks)
    values = value(torch.stack(states)).squeeze(-1)
    advantage = (returns - values).detach()
    objective = torch.stack(logps) * advantage + 0.01 * torch.stack(entropies)
    policy_loss = -(objective * mask).sum() / mask.sum()
    opt_pi.zero_grad()
    policy_loss.backward()
    opt_pi.step()
    value_loss = F.mse_loss(values * mask, returns * mask)
    opt_v.zero_grad()
    value_loss.backward()
    opt_v.step()
    if update % 50 == 0 or update == 149:
        print(f"update {update}: mean return {returns[0].mean():.3f}, "
              f"steps alive {mask.sum(0).mean():.1f}")
