# expect: TVL001
# style: CleanRL-like single-file actor-critic on a toy env
# bug: the policy's forward runs only under torch.no_grad() during the rollout and the stored log-probs feed the policy loss; only the separate critic gets gradients, the actor never learns
import argparse
import time
import random

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions import Categorical


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--total-steps", type=int, default=200_000)
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--lr", type=float, default=7e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--ent-coef", type=float, default=0.01)
    p.add_argument("--vf-coef", type=float, default=0.5)
    return p.parse_args()


class ToyChainEnv:
    """Tiny chain walk: obs is a one-hot of the position, reward at the right end."""

    def __init__(self, n=8):
        self.n = n
        self.pos = 0

    def reset(self):
        self.pos = 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, a):
        self.pos = max(0, min(self.n - 1, self.pos + (1 if a == 1 else -1)))
        done = self.pos == self.n - 1
        return self._obs(), float(done), done


def layer_init(layer, std=np.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


def main():
    args = parse_args()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    env = ToyChainEnv()
    obs_dim, n_actions = env.n, 2
    actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, n_actions), std=0.01))
    critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(), layer_init(nn.Linear(64, 1), std=1.0))
    params = list(actor.parameters()) + list(critic.parameters())
    optimizer = optim.Adam(params, lr=args.lr, eps=1e-5)

    obs = torch.tensor(env.reset())
    global_step, ep_ret, ep_returns = 0, 0.0, []
    start = time.time()
    num_updates = args.total_steps // args.num_steps

    for update in range(1, num_updates + 1):
        obs_buf, logp_buf, ent_buf, rew_buf, done_buf = [], [], [], [], []
        for _ in range(args.num_steps):
            global_step += 1
            with torch.no_grad():
                logits = actor(obs)
                dist = Categorical(logits=logits)
                action = dist.sample()
                logp = dist.log_prob(action)
                ent = dist.entropy()
            nxt, r, d = env.step(action.item())
            ep_ret += r
            obs_buf.append(obs)
            logp_buf.append(logp)
            ent_buf.append(ent)
            rew_buf.append(r)
            done_buf.append(d)
            if d:
                ep_returns.append(ep_ret)
                ep_ret = 0.0
                nxt = env.reset()
            obs = torch.tensor(nxt)

        b_obs = torch.stack(obs_buf)
        b_logp = torch.stack(logp_buf)
        b_ent = torch.stack(ent_buf)

        # discounted returns, bootstrap from the critic at the last state
        with torch.no_grad():
            R = critic(obs).squeeze(-1)
        returns = []
        for r, d in zip(reversed(rew_buf), reversed(done_buf)):
            R = r + args.gamma * R * (1.0 - float(d))
            returns.append(R)
        returns = torch.stack(returns[::-1])

        values = critic(b_obs).squeeze(-1)
        adv = (returns - values).detach()
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)

        pg_loss = -(b_logp * adv).mean()
        v_loss = 0.5 * (returns - values).pow(2).mean()
        entropy = b_ent.mean()
        loss = pg_loss + args.vf_coef * v_loss - args.ent_coef * entropy

        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, 0.5)
        optimizer.step()

        if update % 20 == 0:
            mean_ret = np.mean(ep_returns[-20:]) if ep_returns else 0.0
            sps = int(global_step / (time.time() - start))
            print(f"update={update} step={global_step} ret={mean_ret:.2f} pg={pg_loss.item():.3f} "
                  f"v={v_loss.item():.3f} ent={entropy.item():.3f} sps={sps}")

    torch.save({"actor": actor.state_dict(), "critic": critic.state_dict()}, "a2c_chain.pt")


if __name__ == "__main__":
    main()
