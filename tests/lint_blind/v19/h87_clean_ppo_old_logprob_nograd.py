# expect: clean
# style: CleanRL-style discrete PPO with rollout storage; rollout under no_grad, update re-evaluates the policy with grad
# note: the policy forward runs under torch.no_grad() during the rollout and stored log-probs enter the loss (TVL001 look-alike), but they are only the *old* log-probs in the ratio; `evaluate_actions` re-runs the policy with grad in the update, so the actor is trained
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class CartLikeEnv:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def reset(self):
        self.s = self.rng.uniform(-0.05, 0.05, 4)
        self.t = 0
        return self.s.astype(np.float32)

    def step(self, a):
        x, v, th, w = self.s
        force = 1.0 if a == 1 else -1.0
        w = w + 0.02 * (9.8 * np.sin(th) - force * np.cos(th))
        th = th + 0.02 * w
        v = v + 0.02 * force
        x = x + 0.02 * v
        self.s = np.array([x, v, th, w])
        self.t += 1
        done = abs(th) > 0.21 or abs(x) > 2.4 or self.t >= 500
        return self.s.astype(np.float32), 1.0, done


class ActorCritic(nn.Module):
    def __init__(self, obs_dim=4, n_act=2):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, n_act))
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))

    def act(self, obs):
        dist = Categorical(logits=self.actor(obs))
        a = dist.sample()
        return a, dist.log_prob(a), self.critic(obs).squeeze(-1)

    def evaluate_actions(self, obs, actions):
        dist = Categorical(logits=self.actor(obs))
        return dist.log_prob(actions), dist.entropy(), self.critic(obs).squeeze(-1)


def gae(rewards, values, dones, last_value, gamma=0.99, lam=0.95):
    adv = torch.zeros_like(rewards)
    last = 0.0
    for t in reversed(range(len(rewards))):
        nv = last_value if t == len(rewards) - 1 else values[t + 1]
        nonterminal = 1.0 - dones[t]
        delta = rewards[t] + gamma * nv * nonterminal - values[t]
        last = delta + gamma * lam * nonterminal * last
        adv[t] = last
    return adv, adv + values


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=200)
    ap.add_argument("--num-steps", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=2.5e-4)
    ap.add_argument("--clip", type=float, default=0.2)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatch", type=int, default=256)
    args = ap.parse_args()
    torch.manual_seed(0)
    env, ac = CartLikeEnv(), ActorCritic()
    opt = torch.optim.Adam(ac.parameters(), lr=args.lr, eps=1e-5)
    obs = torch.from_numpy(env.reset())
    ep_len, lens, t0 = 0, [], time.time()
    for update in range(args.updates):
        O, A, LP, V, R, D = [], [], [], [], [], []
        for _ in range(args.num_steps):
            with torch.no_grad():
                a, lp, v = ac.act(obs)
            nxt, r, done = env.step(a.item())
            O.append(obs); A.append(a); LP.append(lp); V.append(v); R.append(r); D.append(float(done))
            ep_len += 1
            if done:
                lens.append(ep_len)
                ep_len = 0
                nxt = env.reset()
            obs = torch.from_numpy(nxt)
        with torch.no_grad():
            last_v = ac.critic(obs).squeeze(-1)
        O, A, LP, V = torch.stack(O), torch.stack(A), torch.stack(LP), torch.stack(V)
        adv, ret = gae(torch.tensor(R), V, torch.tensor(D), last_v)
        for _ in range(args.epochs):
            for idx in torch.randperm(args.num_steps).split(args.minibatch):
                new_lp, ent, new_v = ac.evaluate_actions(O[idx], A[idx])
                ratio = (new_lp - LP[idx]).exp()
                mb_adv = (adv[idx] - adv[idx].mean()) / (adv[idx].std() + 1e-8)
                pg = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * (new_v - ret[idx]).pow(2).mean()
                loss = pg + 0.5 * v_loss - 0.01 * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(ac.parameters(), 0.5)
                opt.step()
        if update % 10 == 0:
            print(f"update {update} mean ep len {np.mean(lens[-20:]) if lens else 0:.1f} "
                  f"pg {pg.item():.4f} v {v_loss.item():.4f} ({time.time() - t0:.0f}s)")
    torch.save(ac.state_dict(), "ppo_cart.pt")


if __name__ == "__main__":
    main()
