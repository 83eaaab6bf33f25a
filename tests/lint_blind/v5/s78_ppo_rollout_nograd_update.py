# expect: clean
# style: CleanRL ppo_continuous_action-like single file (Gaussian policy, GAE), synthetic environment
# note: rollouts (actions, old log-probs, values) are collected under torch.no_grad() and advantages are constants; the update re-evaluates the policy with gradients, clears grads, clips, steps
import argparse
import torch
import torch.nn as nn
from torch.distributions import Normal


def layer_init(layer, std=2 ** 0.5):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.zeros_(layer.bias)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), 1.0))
        self.actor_mean = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
                                        layer_init(nn.Linear(64, act_dim), 0.01))
        self.actor_logstd = nn.Parameter(torch.zeros(1, act_dim))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Normal(self.actor_mean(x), self.actor_logstd.expand(x.size(0), -1).exp())
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action).sum(1), dist.entropy().sum(1), self.get_value(x)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--num-steps", type=int, default=2048)
    ap.add_argument("--num-iterations", type=int, default=100)
    ap.add_argument("--update-epochs", type=int, default=10)
    ap.add_argument("--minibatch-size", type=int, default=64)
    ap.add_argument("--clip-coef", type=float, default=0.2)
    args = ap.parse_args()
    agent = Agent(11, 3)
    optimizer = torch.optim.Adam(agent.parameters(), lr=3e-4, eps=1e-5)
    for iteration in range(args.num_iterations):
        obs = torch.randn(args.num_steps, 11)
        with torch.no_grad():
            actions, logprobs, _, values = agent.get_action_and_value(obs)
            rewards = -(actions ** 2).sum(1) + obs[:, 0]
            advantages, lastgaelam = torch.zeros_like(rewards), 0.0
            for t in reversed(range(args.num_steps)):
                nextvalue = values[t + 1] if t + 1 < args.num_steps else 0.0
                delta = rewards[t] + 0.99 * nextvalue - values[t]
                advantages[t] = lastgaelam = delta + 0.99 * 0.95 * lastgaelam
            returns = advantages + values
        for epoch in range(args.update_epochs):
            b_inds = torch.randperm(args.num_steps)
            for start in range(0, args.num_steps, args.minibatch_size):
                mb = b_inds[start:start + args.minibatch_size]
                _, newlogprob, entropy, newvalue = agent.get_action_and_value(obs[mb], actions[mb])
                ratio = (newlogprob - logprobs[mb]).exp()
                mb_adv = (advantages[mb] - advantages[mb].mean()) / (advantages[mb].std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((newvalue - returns[mb]) ** 2).mean()
                loss = pg_loss - 0.0 * entropy.mean() + 0.5 * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        print(f"iteration {iteration}: mean reward {rewards.mean().item():.3f} v_loss {v_loss.item():.4f}")
