# expect: clean
# style: RL, PPO clipped objective
# note: Rollout log-probs and values are stored detached (.detach()/.item()), but the PPO loss recomputes new log-probs and values with the current policy, so gradients reach the model.
import argparse
import logging
import os
import random
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, TensorDataset

logger = logging.getLogger("train")


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def parse_args(extra=None):
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", default="runs/exp")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--log-every", type=int, default=50)
    if extra is not None:
        extra(p)
    return p.parse_args()


class AverageMeter:
    def __init__(self, name=""):
        self.name = name
        self.reset()

    def reset(self):
        self.sum = 0.0
        self.count = 0

    def update(self, val, n=1):
        self.sum += val * n
        self.count += n

    @property
    def avg(self):
        return self.sum / max(self.count, 1)


def save_checkpoint(state, out_dir, name="last.pt"):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, name)
    torch.save(state, path)
    logger.info("saved checkpoint -> %s", path)
    return path


class ActorCritic(nn.Module):
    def __init__(self, obs_dim=8, n_act=4):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh())
        self.pi = nn.Linear(64, n_act)
        self.v = nn.Linear(64, 1)

    def forward(self, obs):
        h = self.body(obs)
        return torch.distributions.Categorical(logits=self.pi(h)), self.v(h).squeeze(-1)


def rollout(model, n):
    obs_buf, act_buf, logp_buf, val_buf, rew_buf = [], [], [], [], []
    obs = torch.randn(8)
    with torch.no_grad():
        for _ in range(n):
            dist, v = model(obs)
            a = dist.sample()
            obs_buf.append(obs)
            act_buf.append(a)
            logp_buf.append(dist.log_prob(a).detach())
            val_buf.append(v.item())
            rew_buf.append(float(np.random.rand()))
            obs = torch.randn(8)
    return torch.stack(obs_buf), torch.stack(act_buf), torch.stack(logp_buf), torch.tensor(val_buf), torch.tensor(rew_buf)


def gae(rew, val, gamma=0.99, lam=0.95):
    adv = torch.zeros_like(rew)
    last = 0.0
    for t in reversed(range(len(rew))):
        nv = val[t + 1] if t + 1 < len(rew) else 0.0
        delta = rew[t] + gamma * nv - val[t]
        last = delta + gamma * lam * last
        adv[t] = last
    return adv, adv + val


def ppo_update(model, opt, batch, clip=0.2, epochs=4, mb=64):
    obs, act, old_logp, adv, ret = batch
    adv = (adv - adv.mean()) / (adv.std() + 1e-8)
    for _ in range(epochs):
        for idx in torch.randperm(len(obs)).split(mb):
            dist, v = model(obs[idx])
            ratio = (dist.log_prob(act[idx]) - old_logp[idx]).exp()
            pg = -torch.min(ratio * adv[idx], ratio.clamp(1 - clip, 1 + clip) * adv[idx]).mean()
            loss = pg + 0.5 * F.mse_loss(v, ret[idx]) - 0.01 * dist.entropy().mean()
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 0.5)
            opt.step()
    return loss.item()


def main():
    args = parse_args()
    set_seed(args.seed)
    model = ActorCritic()
    opt = torch.optim.Adam(model.parameters(), lr=3e-4, eps=1e-5)
    for it in range(100):
        obs, act, logp, val, rew = rollout(model, 512)
        adv, ret = gae(rew, val)
        loss = ppo_update(model, opt, (obs, act, logp, adv, ret))
        if it % 10 == 0:
            logger.info("iter %d loss %.4f mean_rew %.3f", it, loss, rew.mean().item())
    save_checkpoint({"model": model.state_dict()}, args.out_dir)


if __name__ == "__main__":
    main()
