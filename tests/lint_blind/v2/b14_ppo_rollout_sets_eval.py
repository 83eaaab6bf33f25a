# expect: TVL004
# style: cleanrl-style PPO (single file, discrete actions, synthetic env)
# bug: collect_rollout() puts the agent in eval() for acting; the PPO update loop never switches back with train() (agent has dropout)
import argparse

import torch
import torch.nn as nn
from torch.distributions import Categorical


class Agent(nn.Module):
    def __init__(self, obs_dim, n_act):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Dropout(0.1), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Dropout(0.1), nn.Linear(64, n_act))

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)


def collect_rollout(agent, num_steps, obs_dim):
    agent.eval()
    obs, acts, logps, vals, rews = [], [], [], [], []
    o = torch.randn(obs_dim)
    with torch.no_grad():
        for _ in range(num_steps):
            a, lp, _, v = agent.get_action_and_value(o)
            obs.append(o); acts.append(a); logps.append(lp); vals.append(v)
            rews.append(torch.rand(()))
            o = torch.randn(obs_dim)
    return torch.stack(obs), torch.stack(acts), torch.stack(logps), torch.stack(vals), torch.stack(rews)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--total-timesteps", type=int, default=50000)
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--gamma", type=float, default=0.99)
    args = p.parse_args()
    agent = Agent(8, 4)
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    for update in range(args.total_timesteps // args.num_steps):
        obs, acts, old_logp, vals, rews = collect_rollout(agent, args.num_steps, 8)
        returns = torch.zeros_like(rews)
        running = torch.zeros(())
        for t in reversed(range(args.num_steps)):
            running = rews[t] + args.gamma * running
            returns[t] = running
        adv = returns - vals
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        for _ in range(args.update_epochs):
            _, new_logp, ent, new_v = agent.get_action_and_value(obs, acts)
            ratio = (new_logp - old_logp).exp()
            pg = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
            loss = pg + 0.5 * ((new_v - returns) ** 2).mean() - 0.01 * ent.mean()
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
            optimizer.step()
        if update % 10 == 0:
            print(f"update {update} loss {loss.item():.4f} return {returns[0].item():.2f}")


if __name__ == "__main__":
    main()
