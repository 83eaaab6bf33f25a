# expect: clean
# style: CleanRL-style PPO (discrete) with rollout storage filled under torch.no_grad()
# note: the rollout (actions, log-probs, values) is collected under torch.no_grad(), which looks like TVL001, but the update re-runs agent.get_action_and_value() with grad enabled and builds the loss from the fresh log-probs; the stored ones are only the "old" constants of the ratio.
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--num-envs", type=int, default=4)
    p.add_argument("--updates", type=int, default=100)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--lr", type=float, default=2.5e-4)
    return p.parse_args()


def layer_init(layer, std=np.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class Agent(nn.Module):
    def __init__(self, obs_dim=8, n_act=4):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), 1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, n_act), 0.01))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


def fake_env_step(actions):
    obs = torch.randn(len(actions), 8)
    reward = (actions == 2).float() + 0.1 * torch.randn(len(actions))
    done = torch.rand(len(actions)) < 0.02
    return obs, reward, done


if __name__ == "__main__":
    args = parse()
    agent = Agent()
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    S, E = args.num_steps, args.num_envs
    obs_buf = torch.zeros(S, E, 8)
    act_buf = torch.zeros(S, E, dtype=torch.long)
    logp_buf, rew_buf, done_buf, val_buf = (torch.zeros(S, E) for _ in range(4))
    next_obs, start = torch.randn(E, 8), time.time()
    for update in range(args.updates):
        for step in range(S):
            obs_buf[step] = next_obs
            with torch.no_grad():
                action, logp, _, value = agent.get_action_and_value(next_obs)
            act_buf[step], logp_buf[step], val_buf[step] = action, logp, value
            next_obs, rew_buf[step], done_buf[step] = fake_env_step(action)
        with torch.no_grad():
            adv = torch.zeros_like(rew_buf)
            last = 0.0
            nv = agent.get_value(next_obs)
            for t in reversed(range(S)):
                nxt = nv if t == S - 1 else val_buf[t + 1]
                delta = rew_buf[t] + 0.99 * nxt * (1 - done_buf[t]) - val_buf[t]
                last = delta + 0.99 * 0.95 * (1 - done_buf[t]) * last
                adv[t] = last
            ret = adv + val_buf
        b_obs, b_act, b_logp = obs_buf.reshape(-1, 8), act_buf.reshape(-1), logp_buf.reshape(-1)
        b_adv, b_ret = adv.reshape(-1), ret.reshape(-1)
        mb = S * E // args.minibatches
        for _ in range(args.update_epochs):
            idx = torch.randperm(S * E)
            for s in range(0, S * E, mb):
                j = idx[s:s + mb]
                _, newlogp, ent, newv = agent.get_action_and_value(b_obs[j], b_act[j])
                ratio = (newlogp - b_logp[j]).exp()
                a = (b_adv[j] - b_adv[j].mean()) / (b_adv[j].std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                vloss = 0.5 * ((newv - b_ret[j]) ** 2).mean()
                loss = pg + 0.5 * vloss - 0.01 * ent.mean()
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        if update % 10 == 0:
            print(f"update {update} pg {pg.item():.3f} v {vloss.item():.3f} sps {int((update + 1) * S * E / (time.time() - start))}")
