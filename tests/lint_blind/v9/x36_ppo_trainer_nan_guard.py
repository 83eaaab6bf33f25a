# expect: TVL011
# style: PPO Trainer class (RL) with an _apply_gradients method guarding against NaN gradients
# bug: _apply_gradients returns early without stepping whenever any gradient is non-finite, and nothing records or reports that the update was dropped.
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
from torch.distributions import Normal


@dataclass
class PPOConfig:
    obs_dim: int = 17
    act_dim: int = 6
    lr: float = 3e-4
    clip_coef: float = 0.2
    ent_coef: float = 0.0
    vf_coef: float = 0.5
    update_epochs: int = 10
    minibatch: int = 64
    rollout_len: int = 2048
    max_grad_norm: float = 0.5


class ActorCritic(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, act_dim))
        self.critic = nn.Sequential(nn.Linear(obs_dim, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
        self.log_std = nn.Parameter(torch.zeros(act_dim))

    def dist(self, obs):
        return Normal(self.actor(obs), self.log_std.exp())

    def value(self, obs):
        return self.critic(obs).squeeze(-1)


class PPOTrainer:
    def __init__(self, cfg: PPOConfig):
        self.cfg = cfg
        self.agent = ActorCritic(cfg.obs_dim, cfg.act_dim)
        self.opt = torch.optim.Adam(self.agent.parameters(), lr=cfg.lr, eps=1e-5)

    def _apply_gradients(self):
        for p in self.agent.parameters():
            if p.grad is not None and not torch.isfinite(p.grad).all():
                return
        nn.utils.clip_grad_norm_(self.agent.parameters(), self.cfg.max_grad_norm)
        self.opt.step()

    def fake_rollout(self):
        n = self.cfg.rollout_len
        obs = torch.randn(n, self.cfg.obs_dim)
        with torch.no_grad():
            d = self.agent.dist(obs)
            act = d.sample()
            logp = d.log_prob(act).sum(-1)
            val = self.agent.value(obs)
        adv = torch.randn(n)
        return obs, act, logp, val + adv, adv

    def update(self, batch):
        obs, act, old_logp, returns, adv = batch
        idx = np.arange(len(obs))
        stats = []
        for _ in range(self.cfg.update_epochs):
            np.random.shuffle(idx)
            for s in range(0, len(idx), self.cfg.minibatch):
                mb = torch.as_tensor(idx[s:s + self.cfg.minibatch])
                d = self.agent.dist(obs[mb])
                logp = d.log_prob(act[mb]).sum(-1)
                ratio = (logp - old_logp[mb]).exp()
                a = (adv[mb] - adv[mb].mean()) / (adv[mb].std() + 1e-8)
                pg = torch.max(-a * ratio, -a * ratio.clamp(1 - self.cfg.clip_coef, 1 + self.cfg.clip_coef)).mean()
                v_loss = 0.5 * (self.agent.value(obs[mb]) - returns[mb]).pow(2).mean()
                loss = pg + self.cfg.vf_coef * v_loss - self.cfg.ent_coef * d.entropy().sum(-1).mean()
                self.opt.zero_grad()
                loss.backward()
                self._apply_gradients()
                stats.append((pg.item(), v_loss.item()))
        return np.mean(stats, axis=0)


if __name__ == "__main__":
    trainer = PPOTrainer(PPOConfig())
    for it in range(50):
        pg, vl = trainer.update(trainer.fake_rollout())
        print(f"update {it} pg_loss {pg:.4f} v_loss {vl:.4f}")
