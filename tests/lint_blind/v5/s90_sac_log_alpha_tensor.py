# expect: clean
# style: Soft Actor-Critic (CleanRL sac_continuous_action-like) with separate actor / critic / temperature optimizers and Polyak-averaged target critics
# note: log_alpha is a plain tensor with requires_grad=True handed directly to its own Adam (standard SAC, not a module parameter); actor and critic optimizers cover disjoint modules; targets are computed under no_grad
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F


class SoftQ(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(obs_dim + act_dim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                                 nn.Linear(256, 1))

    def forward(self, obs, act):
        return self.net(torch.cat([obs, act], dim=1)).squeeze(-1)


class Actor(nn.Module):
    def __init__(self, obs_dim, act_dim):
        super().__init__()
        self.trunk = nn.Sequential(nn.Linear(obs_dim, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU())
        self.mean, self.log_std = nn.Linear(256, act_dim), nn.Linear(256, act_dim)

    def get_action(self, obs):
        h = self.trunk(obs)
        std = self.log_std(h).clamp(-5, 2).exp()
        u = self.mean(h) + std * torch.randn_like(std)
        a = torch.tanh(u)
        logp = (-0.5 * ((u - self.mean(h)) / std) ** 2 - std.log() - 0.9189).sum(1)
        return a, logp - torch.log(1 - a.pow(2) + 1e-6).sum(1)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--total-steps", type=int, default=20000)
    ap.add_argument("--gamma", type=float, default=0.99)
    ap.add_argument("--tau", type=float, default=0.005)
    args = ap.parse_args()
    obs_dim, act_dim = 17, 6
    actor = Actor(obs_dim, act_dim)
    qf1, qf2 = SoftQ(obs_dim, act_dim), SoftQ(obs_dim, act_dim)
    qf1_target, qf2_target = SoftQ(obs_dim, act_dim), SoftQ(obs_dim, act_dim)
    qf1_target.load_state_dict(qf1.state_dict())
    qf2_target.load_state_dict(qf2.state_dict())
    q_optimizer = torch.optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=1e-3)
    actor_optimizer = torch.optim.Adam(actor.parameters(), lr=3e-4)
    target_entropy = -float(act_dim)
    log_alpha = torch.zeros(1, requires_grad=True)
    a_optimizer = torch.optim.Adam([log_alpha], lr=1e-3)
    for step in range(args.total_steps):
        obs, act, rew = torch.randn(256, obs_dim), torch.rand(256, act_dim) * 2 - 1, torch.randn(256)
        next_obs, done = torch.randn(256, obs_dim), (torch.rand(256) < 0.01).float()
        alpha = log_alpha.exp().item()
        with torch.no_grad():
            next_a, next_logp = actor.get_action(next_obs)
            min_q_next = torch.min(qf1_target(next_obs, next_a), qf2_target(next_obs, next_a)) - alpha * next_logp
            next_q_value = rew + (1 - done) * args.gamma * min_q_next
        qf_loss = F.mse_loss(qf1(obs, act), next_q_value) + F.mse_loss(qf2(obs, act), next_q_value)
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()
        if step % 2 == 0:
            pi, log_pi = actor.get_action(obs)
            actor_loss = (alpha * log_pi - torch.min(qf1(obs, pi), qf2(obs, pi))).mean()
            actor_optimizer.zero_grad()
            actor_loss.backward()
            actor_optimizer.step()
            alpha_loss = (-log_alpha.exp() * (log_pi.detach() + target_entropy)).mean()
            a_optimizer.zero_grad()
            alpha_loss.backward()
            a_optimizer.step()
        with torch.no_grad():
            for net, tgt in ((qf1, qf1_target), (qf2, qf2_target)):
                for p, tp in zip(net.parameters(), tgt.parameters()):
                    tp.mul_(1 - args.tau).add_(args.tau * p)
        if step % 1000 == 0:
            print(f"step {step}: qf_loss {qf_loss.item():.3f} alpha {alpha:.3f}")
