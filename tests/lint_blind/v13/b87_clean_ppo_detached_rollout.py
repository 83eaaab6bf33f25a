# expect: clean
# style: CleanRL-like PPO with a rollout buffer; old log-probs, values and advantages are detached / collected under no_grad
# note: the rollout runs under torch.no_grad() and stores detached tensors, but the update recomputes log-probs and values with grad from the current policy, so the surrogate loss reaches the network
import argparse

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Categorical


class BanditChain:
    def __init__(self, n=8):
        self.n = n

    def reset(self):
        self.s = 0
        return np.eye(self.n, dtype=np.float32)[self.s]

    def step(self, a):
        self.s = min(self.s + 1, self.n - 1) if a == 1 else 0
        r = 1.0 if self.s == self.n - 1 else 0.0
        done = r > 0
        if done:
            self.s = 0
        return np.eye(self.n, dtype=np.float32)[self.s], r, done


class Agent(nn.Module):
    def __init__(self, obs_dim, n_act):
        super().__init__()
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 1))
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, n_act))

    def get_value(self, x):
        return self.critic(x).squeeze(-1)

    def get_action_and_value(self, x, action=None):
        dist = Categorical(logits=self.actor(x))
        if action is None:
            action = dist.sample()
        return action, dist.log_prob(action), dist.entropy(), self.get_value(x)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--num-steps", type=int, default=256)
    p.add_argument("--updates", type=int, default=200)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--gae-lambda", type=float, default=0.95)
    p.add_argument("--clip-coef", type=float, default=0.2)
    p.add_argument("--update-epochs", type=int, default=4)
    p.add_argument("--minibatch", type=int, default=64)
    args = p.parse_args()

    env = BanditChain()
    agent = Agent(env.n, 2)
    optimizer = torch.optim.Adam(agent.parameters(), lr=2.5e-4, eps=1e-5)
    obs = torch.as_tensor(env.reset())
    for update in range(args.updates):
        b_obs, b_act, b_logp, b_rew, b_done, b_val = [], [], [], [], [], []
        for _ in range(args.num_steps):
            with torch.no_grad():
                action, logp, _, value = agent.get_action_and_value(obs[None])
            nobs, r, d = env.step(action.item())
            b_obs.append(obs); b_act.append(action[0]); b_logp.append(logp[0]); b_val.append(value[0])
            b_rew.append(r); b_done.append(float(d))
            obs = torch.as_tensor(nobs)
        with torch.no_grad():
            next_value = agent.get_value(obs[None])[0]
        rewards, dones, values = torch.tensor(b_rew), torch.tensor(b_done), torch.stack(b_val)
        adv = torch.zeros_like(rewards)
        lastgae = 0.0
        for t in reversed(range(args.num_steps)):
            nv = next_value if t == args.num_steps - 1 else values[t + 1]
            delta = rewards[t] + args.gamma * nv * (1 - dones[t]) - values[t]
            lastgae = delta + args.gamma * args.gae_lambda * (1 - dones[t]) * lastgae
            adv[t] = lastgae
        returns = adv + values
        O, A, LP = torch.stack(b_obs), torch.stack(b_act), torch.stack(b_logp)

        idx = np.arange(args.num_steps)
        for _ in range(args.update_epochs):
            np.random.shuffle(idx)
            for s in range(0, args.num_steps, args.minibatch):
                mb = idx[s:s + args.minibatch]
                _, newlogp, ent, newv = agent.get_action_and_value(O[mb], A[mb])
                ratio = (newlogp - LP[mb]).exp()
                mb_adv = (adv[mb] - adv[mb].mean()) / (adv[mb].std() + 1e-8)
                pg_loss = torch.max(-mb_adv * ratio, -mb_adv * ratio.clamp(1 - args.clip_coef, 1 + args.clip_coef)).mean()
                v_loss = 0.5 * ((newv - returns[mb]) ** 2).mean()
                loss = pg_loss - 0.01 * ent.mean() + 0.5 * v_loss
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(agent.parameters(), 0.5)
                optimizer.step()
        if update % 20 == 0:
            print(f"update {update} mean reward {rewards.mean().item():.3f} v_loss {v_loss.item():.4f}")
    torch.save(agent.state_dict(), "ppo_chain.pt")


if __name__ == "__main__":
    main()
