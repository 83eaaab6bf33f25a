# expect: clean
# style: cleanrl ppo.py (Agent with actor/critic heads, GAE computed under no_grad, clipped surrogate objective)
# note: advantages/returns are computed under no_grad and old log-probs are stored values; the loss still flows through agent(...)
import argparse

import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical


class Agent(nn.Module):
    def __init__(self, obs_dim=8, n_actions=4):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_actions))

    def get_value(self, x):
        return self.critic(x)

    def get_action_and_value(self, x, action=None):
        probs = Categorical(logits=self.actor(x))
        if action is None:
            action = probs.sample()
        return action, probs.log_prob(action), probs.entropy(), self.critic(x)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    args = p.parse_args()
    agent = Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    for update in range(10):
        obs = torch.randn(args.num_steps, 8)
        rewards, dones = torch.randn(args.num_steps), (torch.rand(args.num_steps) < 0.02).float()
        with torch.no_grad():
            actions, logprobs, _, values = agent.get_action_and_value(obs)
            values = values.flatten()
            advantages, lastgaelam = torch.zeros_like(rewards), 0.0
            for t in reversed(range(args.num_steps - 1)):
                delta = rewards[t] + args.gamma * values[t + 1] * (1 - dones[t + 1]) - values[t]
                lastgaelam = delta + args.gamma * args.gae_lambda * (1 - dones[t + 1]) * lastgaelam
                advantages[t] = lastgaelam
            returns = advantages + values
        for epoch in range(args.update_epochs):
            for mb in torch.randperm(args.num_steps).split(32):
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs[mb], actions[mb])
                ratio = (newlogprob - logprobs[mb]).exp()
                mb_adv = (advantages[mb] - advantages[mb].mean()) / (advantages[mb].std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((newvalue.view(-1) - returns[mb]) ** 2).mean()
                loss = pg_loss - 0.01 * entropy.mean() + 0.5 * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        print(f"update {update}: pg {pg_loss.item():.4f} v {v_loss.item():.4f}")
