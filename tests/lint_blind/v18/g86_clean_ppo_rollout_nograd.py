# expect: clean
# style: CleanRL-like PPO with GAE; rollout and advantage computation under no_grad, minibatch epochs with a shared optimizer
# note: the agent's forward runs under torch.no_grad() during rollout and GAE, which looks like TVL001, but the update phase recomputes log-probs and values with gradients on the stored observations; detach() only touches advantages/returns.
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class LineWorld:
    def __init__(self, n=10):
        self.n = n

    def reset(self):
        self.pos, self.t = self.n // 2, 0
        return self._obs()

    def _obs(self):
        o = np.zeros(self.n, dtype=np.float32)
        o[self.pos] = 1.0
        return o

    def step(self, a):
        self.pos = int(np.clip(self.pos + (1 if a else -1), 0, self.n - 1))
        self.t += 1
        done = self.pos in (0, self.n - 1) or self.t >= 60
        return self._obs(), (1.0 if self.pos == self.n - 1 else 0.0), done


class Agent(nn.Module):
    def __init__(self, obs, act):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs, 64), nn.Tanh(), nn.Linear(64, act))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--updates", type=int, default=150)
    ap.add_argument("--steps", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--minibatch", type=int, default=64)
    ap.add_argument("--clip", type=float, default=0.2)
    args = ap.parse_args()
    gamma, lam = 0.99, 0.95
    env, agent = LineWorld(), Agent(10, 2)
    opt = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    obs = torch.tensor(env.reset())
    for update in range(args.updates):
        b_obs, b_act, b_logp, b_val, b_rew, b_done = [], [], [], [], [], []
        with torch.no_grad():
            for _ in range(args.steps):
                a, logp, _, v = agent.get_action_and_value(obs)
                nxt, r, d = env.step(int(a))
                b_obs.append(obs); b_act.append(a); b_logp.append(logp); b_val.append(v)
                b_rew.append(r); b_done.append(float(d))
                obs = torch.tensor(env.reset() if d else nxt)
            next_v = agent.get_value(obs)
            adv = torch.zeros(args.steps)
            last = 0.0
            for t in reversed(range(args.steps)):
                nv = next_v if t == args.steps - 1 else b_val[t + 1]
                nonterm = 1.0 - b_done[t]
                delta = b_rew[t] + gamma * nv * nonterm - b_val[t]
                last = delta + gamma * lam * nonterm * last
                adv[t] = last
        O, A = torch.stack(b_obs), torch.stack(b_act)
        LP, V = torch.stack(b_logp), torch.stack(b_val)
        ret = adv + V
        for _ in range(args.epochs):
            perm = torch.randperm(args.steps)
            for s in range(0, args.steps, args.minibatch):
                idx = perm[s:s + args.minibatch]
                _, newlogp, ent, newv = agent.get_action_and_value(O[idx], A[idx])
                ratio = (newlogp - LP[idx]).exp()
                mb_adv = (adv[idx] - adv[idx].mean()) / (adv[idx].std() + 1e-8)
                pg = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip, 1 + args.clip)).mean()
                v_loss = 0.5 * (newv - ret[idx]).pow(2).mean()
                loss = pg + 0.5 * v_loss - 0.01 * ent.mean()
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                opt.step()
        if update % 10 == 0:
            print(f"update {update} mean_reward/step {np.mean(b_rew):.3f} v_loss {v_loss.item():.4f}")
    torch.save(agent.state_dict(), "ppo_lineworld.pt")


if __name__ == "__main__":
    main()
