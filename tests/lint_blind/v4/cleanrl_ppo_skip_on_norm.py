# expect: TVL011
# style: CleanRL ppo.py single-file (update epochs over minibatches, argparse)
# bug: inside the minibatch loop the update is skipped with `continue` whenever the grad norm exceeds 10x max_grad_norm, without counting or logging the dropped updates
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions.categorical import Categorical


def layer_init(layer, std=np.sqrt(2), bias_const=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias_const)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim=4, n_act=2):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), 1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, n_act), 0.01))

    def get_action_and_value(self, x, action):
        dist = Categorical(logits=self.actor(x))
        return dist.log_prob(action), dist.entropy(), self.critic(x).squeeze(-1)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--batch-size", type=int, default=512)
    p.add_argument("--num-minibatches", type=int, default=4)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--max-grad-norm", type=float, default=0.5)
    args = p.parse_args()
    agent = Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    b_obs = torch.randn(args.batch_size, 4)
    b_actions = torch.randint(0, 2, (args.batch_size,))
    b_logprobs = torch.full((args.batch_size,), -0.69)
    b_advantages, b_returns = torch.randn(args.batch_size), torch.randn(args.batch_size)
    mb_size = args.batch_size // args.num_minibatches
    for epoch in range(args.update_epochs):
        b_inds = np.random.permutation(args.batch_size)
        for start in range(0, args.batch_size, mb_size):
            mb = b_inds[start:start + mb_size]
            newlogprob, entropy, newvalue = agent.get_action_and_value(b_obs[mb], b_actions[mb])
            ratio = (newlogprob - b_logprobs[mb]).exp()
            adv = b_advantages[mb]
            pg_loss = torch.max(-adv * ratio, -adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
            v_loss = 0.5 * ((newvalue - b_returns[mb]) ** 2).mean()
            loss = pg_loss - 0.01 * entropy.mean() + 0.5 * v_loss
            optimizer.zero_grad()
            loss.backward()
            gnorm = nn.utils.clip_grad_norm_(agent.parameters(), args.max_grad_norm)
            if gnorm > 10 * args.max_grad_norm:
                continue
            optimizer.step()
        print(f"epoch {epoch} pg_loss {pg_loss.item():.4f} v_loss {v_loss.item():.4f}")
