# expect: TVL009
# style: PPO (CleanRL-ish) with an Agent class; value head nn.Linear(64, 1)
# bug: evaluate_actions() returns the critic output with shape (B, 1) while the minibatch returns are (B,); F.mse_loss(values, b_returns) broadcasts to (B, B) and the critic regresses every state to the minibatch mean return
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.distributions import Categorical


def layer_init(layer, std=np.sqrt(2), bias=0.0):
    nn.init.orthogonal_(layer.weight, std)
    nn.init.constant_(layer.bias, bias)
    return layer


class VecBandit:
    """Vectorised contextual-bandit-like env with short episodes."""

    def __init__(self, n_envs, obs_dim=8, n_actions=4, ep_len=16, seed=0):
        self.rng = np.random.default_rng(seed)
        self.n, self.d, self.k, self.L = n_envs, obs_dim, n_actions, ep_len
        self.W = self.rng.normal(size=(obs_dim, n_actions))
        self.t = np.zeros(n_envs, dtype=int)

    def reset(self):
        self.obs = self.rng.normal(size=(self.n, self.d)).astype(np.float32)
        return self.obs

    def step(self, actions):
        r = (self.obs @ self.W)[np.arange(self.n), actions]
        self.t += 1
        done = self.t >= self.L
        self.t[done] = 0
        self.obs = self.rng.normal(size=(self.n, self.d)).astype(np.float32)
        return self.obs, r.astype(np.float32), done.astype(np.float32)


class Agent(nn.Module):
    def __init__(self, obs_dim, n_actions):
        super().__init__()
        self.critic = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
                                    layer_init(nn.Linear(64, 64)), nn.Tanh(),
                                    layer_init(nn.Linear(64, 1), std=1.0))
        self.actor = nn.Sequential(layer_init(nn.Linear(obs_dim, 64)), nn.Tanh(),
                                   layer_init(nn.Linear(64, 64)), nn.Tanh(),
                                   layer_init(nn.Linear(64, n_actions), std=0.01))

    def get_value(self, x):
        return self.critic(x)

    def evaluate_actions(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.critic(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--num-envs", type=int, default=8)
    p.add_argument("--num-steps", type=int, default=128)
    p.add_argument("--total-timesteps", type=int, default=200_000)
    p.add_argument("--lr", type=float, default=2.5e-4)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--minibatches", type=int, default=4)
    p.add_argument("--clip", type=float, default=0.2)
    args = p.parse_args()
    torch.manual_seed(1)

    env = VecBandit(args.num_envs)
    agent = Agent(8, 4)
    optimizer = torch.optim.Adam(agent.parameters(), lr=args.lr, eps=1e-5)
    S, N = args.num_steps, args.num_envs
    obs_buf = torch.zeros(S, N, 8)
    act_buf = torch.zeros(S, N, dtype=torch.long)
    logp_buf, rew_buf, done_buf, val_buf = (torch.zeros(S, N) for _ in range(4))

    next_obs = torch.tensor(env.reset())
    next_done = torch.zeros(N)
    n_updates = args.total_timesteps // (S * N)
    batch_size = S * N
    mb_size = batch_size // args.minibatches
    start = time.time()
    for update in range(1, n_updates + 1):
        for step in range(S):
            obs_buf[step], done_buf[step] = next_obs, next_done
            with torch.no_grad():
                a, logp, _, v = agent.evaluate_actions(next_obs)
            val_buf[step] = v.flatten()
            act_buf[step], logp_buf[step] = a, logp
            o, r, d = env.step(a.numpy())
            rew_buf[step] = torch.tensor(r)
            next_obs, next_done = torch.tensor(o), torch.tensor(d)

        with torch.no_grad():
            next_value = agent.get_value(next_obs).flatten()
            adv = torch.zeros_like(rew_buf)
            lastgaelam = 0
            for t in reversed(range(S)):
                nonterm = 1.0 - (next_done if t == S - 1 else done_buf[t + 1])
                nv = next_value if t == S - 1 else val_buf[t + 1]
                delta = rew_buf[t] + args.gamma * nv * nonterm - val_buf[t]
                adv[t] = lastgaelam = delta + args.gamma * args.gae_lambda * nonterm * lastgaelam
            returns = adv + val_buf

        b_obs, b_act = obs_buf.reshape(-1, 8), act_buf.reshape(-1)
        b_logp, b_adv, b_ret = logp_buf.reshape(-1), adv.reshape(-1), returns.reshape(-1)
        for _ in range(args.update_epochs):
            perm = torch.randperm(batch_size)
            for s in range(0, batch_size, mb_size):
                mb = perm[s : s + mb_size]
                _, new_logp, ent, new_v = agent.evaluate_actions(b_obs[mb], b_act[mb])
                ratio = (new_logp - b_logp[mb]).exp()
                mb_adv = (b_adv[mb] - b_adv[mb].mean()) / (b_adv[mb].std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * F.mse_loss(new_v, b_ret[mb])
                loss = pg_loss - 0.01 * ent.mean() + 0.5 * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        if update % 10 == 0:
            print(f"update {update}/{n_updates} pg {pg_loss.item():.3f} v {v_loss.item():.3f} "
                  f"mean_r {rew_buf.mean().item():.3f} sps {int(update * batch_size / (time.time() - start))}")
    torch.save(agent.state_dict(), "ppo_agent.pt")


if __name__ == "__main__":
    main()
