# expect: clean
# style: CleanRL ppo_continuous_action.py update phase (clip_grad_norm_ then step, every minibatch)
# note: advantages/returns were computed without grad; gradient norm is clipped but every minibatch update is applied (no silent skipping); logprob ratios keep the graph to the agent
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.normal import Normal


class Agent(nn.Module):
    def __init__(self, obs_dim=11, act_dim=3):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor_mean = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_action_and_value(self, x, action):
        mean = self.actor_mean(x)
        dist = Normal(mean, self.actor_logstd.expand_as(mean).exp())
        return dist.log_prob(action).sum(1), dist.entropy().sum(1), self.critic(x).squeeze(-1)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--num-steps", type=int, default=2048)
    p.add_argument("--num-minibatches", type=int, default=32)
    p.add_argument("--update-epochs", type=int, default=10)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    args = p.parse_args()
    agent = Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    B = args.num_steps
    b_obs, b_actions = torch.randn(B, 11), torch.randn(B, 3)
    with torch.no_grad():
        b_logprobs, _, b_values = agent.get_action_and_value(b_obs, b_actions)
    b_advantages = torch.randn(B)
    b_returns = b_advantages + b_values
    mb = B // args.num_minibatches
    clipfracs = []
    for epoch in range(args.update_epochs):
        inds = np.random.permutation(B)
        for start in range(0, B, mb):
            idx = inds[start:start + mb]
            newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[idx], b_actions[idx])
            ratio = (newlogprob - b_logprobs[idx]).exp()
            adv = (b_advantages[idx] - b_advantages[idx].mean()) / (b_advantages[idx].std() + 1e-8)
            pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
            v_loss = 0.5 * ((newvalue - b_returns[idx]) ** 2).mean()
            loss = pg_loss - 0.0 * entropy.mean() + 0.5 * v_loss
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
            optimizer.step()
            clipfracs.append(((ratio - 1).abs() > args.clip_coef).float().mean().item())
        print(f"epoch {epoch} pg {pg_loss.item():.4f} v {v_loss.item():.4f} clipfrac {np.mean(clipfracs):.3f}")
