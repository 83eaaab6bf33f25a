# expect: clean
# style: cleanrl sac_continuous_action.py (actor, twin Q-networks, separate q_optimizer / actor_optimizer / alpha optimizer)
# note: q_optimizer gets list(qf1.parameters()) + list(qf2.parameters()); actor_optimizer the actor; log_alpha its own - disjoint
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class SoftQNetwork(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim + act_dim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 1))

    def forward(self, x, a):
        return self.net(torch.cat([x, a], 1))


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU())
        self.mean, self.log_std = nn.Linear(256, act_dim), nn.Linear(256, act_dim)

    def get_action(self, x):
        h = self.trunk(x)
        mean, log_std = self.mean(h), self.log_std(h).clamp(-5, 2)
        normal = torch.distributions.Normal(mean, log_std.exp())
        x_t = normal.rsample()
        action = torch.tanh(x_t)
        log_prob = (normal.log_prob(x_t) - torch.log(1 - action.pow(2) + 1e-6)).sum(1, keepdim=True)
        return action, log_prob


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--batch-size", type=int, default=256)
    args = ap.parse_args()
    obs_dim, act_dim = 11, 3
    actor, qf1, qf2 = Actor(obs_dim, act_dim), SoftQNetwork(obs_dim, act_dim), SoftQNetwork(obs_dim, act_dim)
    qf1_target, qf2_target = SoftQNetwork(obs_dim, act_dim), SoftQNetwork(obs_dim, act_dim)
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = torch.optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=1e-3)
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
    log_alpha = torch.zeros(1, requires_grad=True)
    a_optimizer = torch.optim.Adam([log_alpha], lr=1e-3)
    for step in range(200):
        obs, nxt = torch.randn(args.batch_size, obs_dim), torch.randn(args.batch_size, obs_dim)
        act, rew, done = torch.rand(args.batch_size, act_dim) * 2 - 1, torch.randn(args.batch_size, 1), torch.zeros(args.batch_size, 1)
        alpha = log_alpha.exp().item()
        with torch.no_grad():
            next_a, next_logp = actor.get_action(nxt)
            min_q_next = torch.min(qf1_target(nxt, next_a), qf2_target(nxt, next_a)) - alpha * next_logp
            target_q = rew + (1 - done) * args.gamma * min_q_next
        qf_loss = F.mse_loss(qf1(obs, act), target_q) + F.mse_loss(qf2(obs, act), target_q)
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()
        pi, log_pi = actor.get_action(obs)
        actor_loss = (alpha * log_pi - torch.min(qf1(obs, pi), qf2(obs, pi))).mean()
        actor_optimizer.zero_grad()
        actor_loss.backward()
        actor_optimizer.step()
        with torch.no_grad():
            _, log_pi = actor.get_action(obs)
        alpha_loss = (-log_alpha.exp() * (log_pi - act_dim)).mean()
        a_optimizer.zero_grad()
        alpha_loss.backward()
        a_optimizer.step()
        with torch.no_grad():
            for net, tgt in ((qf1, qf1_target), (qf2, qf2_target)):
                for p_, tp in zip(net.parameters(), tgt.parameters()):
                    tp.mul_(0.995).add_(0.005 * p_)
