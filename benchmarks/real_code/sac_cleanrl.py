# real: source=https://github.com/vwxyzjn/cleanrl/blob/master/cleanrl/sac_continuous_action.py
# real: args=
# real: bug=no-view-on-q expect=loss-input-mismatch
# real: bug=target-with-grad expect=unoptimized-parameters
"""CleanRL's sac_continuous_action.py: an Actor (tanh-squashed Gaussian, log_std bounded through
tanh, action scale and bias as buffers, get_action with rsample) and two soft Q networks with two
target copies loaded from their state_dicts; one Adam over both Q networks, one over the actor,
and automatic entropy tuning (a plain `log_alpha` tensor, not an nn.Parameter, under its own Adam,
alpha read back with .item() after each of its steps). Random actions until learning starts;
then each environment step samples a replay batch, computes the soft target under no_grad, steps
the Q optimizer on the sum of both MSE losses, and on every second step makes two delayed actor
updates (each followed by an alpha update whose log_pi comes from a no_grad forward); target
networks follow by Polyak averaging through .data.copy_ after every step.
Changed: Pendulum-v1's dynamics written out in numpy (gymnasium is not installed here: same
equations, torque clipped to 2, speed to 8, truncation at 200 steps) and a small numpy replay
buffer instead of SB3's; 64-unit hidden layers instead of 256, batch 64, learning from step 200
of 1400; no tyro, TensorBoard or wandb."""

import argparse
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--total-timesteps", type=int, default=1400)
parser.add_argument("--learning-starts", type=int, default=200)
parser.add_argument("--batch-size", type=int, default=64)
parser.add_argument("--hidden", type=int, default=64)
parser.add_argument("--gamma", type=float, default=0.99)
parser.add_argument("--tau", type=float, default=0.005)
parser.add_argument("--policy-lr", type=float, default=3e-4)
parser.add_argument("--q-lr", type=float, default=1e-3)
parser.add_argument("--policy-frequency", type=int, default=2)
parser.add_argument("--target-network-frequency", type=int, default=1)
parser.add_argument("--bug", default="", choices=["", "no-view-on-q", "target-with-grad"])
args = parser.parse_args()


class Pendulum:
    """gymnasium's Pendulum-v1: observation (cos θ, sin θ, θ'), one torque in [-2, 2], reward
    -(θ² + 0.1 θ'² + 0.001 u²) with θ wrapped to [-π, π], never terminates, truncated at 200."""

    max_speed, max_torque, dt, g, m, length, horizon = 8.0, 2.0, 0.05, 10.0, 1.0, 1.0, 200
    obs_dim, act_dim = 3, 1
    act_low, act_high = np.array([-2.0], np.float32), np.array([2.0], np.float32)

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.ret, self.len = 0.0, 0

    def _obs(self):
        return np.array([np.cos(self.th), np.sin(self.th), self.thdot], dtype=np.float32)

    def reset(self):
        self.th, self.thdot = self.rng.uniform(-np.pi, np.pi), self.rng.uniform(-1.0, 1.0)
        self.t, self.ret, self.len = 0, 0.0, 0
        return self._obs()

    def sample_action(self):
        return self.rng.uniform(self.act_low, self.act_high).astype(np.float32)

    def step(self, action):
        u = float(np.clip(action[0], -self.max_torque, self.max_torque))
        wrapped = ((self.th + np.pi) % (2 * np.pi)) - np.pi
        cost = wrapped**2 + 0.1 * self.thdot**2 + 0.001 * u**2
        self.thdot = np.clip(self.thdot + (3 * self.g / (2 * self.length) * np.sin(self.th) + 3.0 / (self.m * self.length**2) * u) * self.dt,
                             -self.max_speed, self.max_speed)
        self.th = self.th + self.thdot * self.dt
        self.t += 1
        self.ret += -cost
        self.len += 1
        return self._obs(), -cost, False, self.t >= self.horizon


class Replay:
    """Observations, next observations, actions, rewards and dones in numpy rings; sample()
    returns tensors."""

    def __init__(self, size, obs_dim, act_dim, seed):
        self.obs = np.zeros((size, obs_dim), np.float32)
        self.next_obs = np.zeros((size, obs_dim), np.float32)
        self.actions = np.zeros((size, act_dim), np.float32)
        self.rewards = np.zeros((size, 1), np.float32)
        self.dones = np.zeros((size, 1), np.float32)
        self.size, self.pos, self.full = size, 0, False
        self.rng = np.random.default_rng(seed)

    def add(self, obs, next_obs, action, reward, done):
        self.obs[self.pos], self.next_obs[self.pos], self.actions[self.pos] = obs, next_obs, action
        self.rewards[self.pos], self.dones[self.pos] = reward, done
        self.pos = (self.pos + 1) % self.size
        self.full = self.full or self.pos == 0

    def sample(self, n):
        idx = self.rng.integers(0, self.size if self.full else self.pos, size=n)
        return (torch.from_numpy(self.obs[idx]), torch.from_numpy(self.actions[idx]), torch.from_numpy(self.next_obs[idx]),
                torch.from_numpy(self.dones[idx]), torch.from_numpy(self.rewards[idx]))


class SoftQNetwork(nn.Module):
    def __init__(self, env, hidden):
        super().__init__()
        self.fc1 = nn.Linear(env.obs_dim + env.act_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc3 = nn.Linear(hidden, 1)

    def forward(self, x, a):
        x = torch.cat([x, a], 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


LOG_STD_MAX = 2
LOG_STD_MIN = -5


class Actor(nn.Module):
    def __init__(self, env, hidden):
        super().__init__()
        self.fc1 = nn.Linear(env.obs_dim, hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.fc_mean = nn.Linear(hidden, env.act_dim)
        self.fc_logstd = nn.Linear(hidden, env.act_dim)
        self.register_buffer("action_scale", torch.tensor((env.act_high - env.act_low) / 2.0, dtype=torch.float32))
        self.register_buffer("action_bias", torch.tensor((env.act_high + env.act_low) / 2.0, dtype=torch.float32))

    def forward(self, x):
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        mean = self.fc_mean(x)
        log_std = torch.tanh(self.fc_logstd(x))
        log_std = LOG_STD_MIN + 0.5 * (LOG_STD_MAX - LOG_STD_MIN) * (log_std + 1)
        return mean, log_std

    def get_action(self, x):
        mean, log_std = self(x)
        normal = torch.distributions.Normal(mean, log_std.exp())
        x_t = normal.rsample()  # the reparameterisation trick
        y_t = torch.tanh(x_t)
        action = y_t * self.action_scale + self.action_bias
        log_prob = normal.log_prob(x_t) - torch.log(self.action_scale * (1 - y_t.pow(2)) + 1e-6)
        log_prob = log_prob.sum(1, keepdim=True)
        return action, log_prob, torch.tanh(mean) * self.action_scale + self.action_bias


random.seed(args.seed)
np.random.seed(args.seed)
torch.manual_seed(args.seed)
env = Pendulum(args.seed)
actor = Actor(env, args.hidden)
qf1, qf2 = SoftQNetwork(env, args.hidden), SoftQNetwork(env, args.hidden)
qf1_target, qf2_target = SoftQNetwork(env, args.hidden), SoftQNetwork(env, args.hidden)
qf1_target.load_state_dict(qf1.state_dict())
qf2_target.load_state_dict(qf2.state_dict())
q_optimizer = optim.Adam(list(qf1.parameters()) + list(qf2.parameters()), lr=args.q_lr)
actor_optimizer = optim.Adam(list(actor.parameters()), lr=args.policy_lr)
target_entropy = -float(env.act_dim)
log_alpha = torch.zeros(1, requires_grad=True)
alpha = log_alpha.exp().item()
a_optimizer = optim.Adam([log_alpha], lr=args.q_lr)
rb = Replay(args.total_timesteps, env.obs_dim, env.act_dim, args.seed)


def soft_target(next_obs, rewards, dones):
    next_actions, next_log_pi, _ = actor.get_action(next_obs)
    q_next = torch.min(qf1_target(next_obs, next_actions), qf2_target(next_obs, next_actions)) - alpha * next_log_pi
    return rewards.flatten() + (1 - dones.flatten()) * args.gamma * q_next.view(-1)


obs = env.reset()
for global_step in range(args.total_timesteps):
    if global_step < args.learning_starts:
        actions = env.sample_action()
    else:
        actions, _, _ = actor.get_action(torch.from_numpy(obs)[None])
        actions = actions.detach().numpy()[0]
    next_obs, reward, terminated, truncated = env.step(actions)
    if truncated:
        print(f"global_step={global_step}, episodic_return={env.ret:.1f}")
    rb.add(obs, next_obs, actions, reward, terminated)
    obs = env.reset() if terminated or truncated else next_obs

    if global_step > args.learning_starts:
        b_obs, b_actions, b_next_obs, b_dones, b_rewards = rb.sample(args.batch_size)
        if args.bug == "target-with-grad":  # the target computed with gradients flowing into it
            next_q_value = soft_target(b_next_obs, b_rewards, b_dones)
        else:
            with torch.no_grad():
                next_q_value = soft_target(b_next_obs, b_rewards, b_dones)
        if args.bug == "no-view-on-q":  # (B, 1) Q values against a (B,) target
            qf1_a_values, qf2_a_values = qf1(b_obs, b_actions), qf2(b_obs, b_actions)
        else:
            qf1_a_values, qf2_a_values = qf1(b_obs, b_actions).view(-1), qf2(b_obs, b_actions).view(-1)
        qf1_loss = F.mse_loss(qf1_a_values, next_q_value)
        qf2_loss = F.mse_loss(qf2_a_values, next_q_value)
        qf_loss = qf1_loss + qf2_loss
        q_optimizer.zero_grad()
        qf_loss.backward()
        q_optimizer.step()

        if global_step % args.policy_frequency == 0:  # delayed policy updates, as in TD3
            for _ in range(args.policy_frequency):
                pi, log_pi, _ = actor.get_action(b_obs)
                min_qf_pi = torch.min(qf1(b_obs, pi), qf2(b_obs, pi))
                actor_loss = ((alpha * log_pi) - min_qf_pi).mean()
                actor_optimizer.zero_grad()
                actor_loss.backward()
                actor_optimizer.step()

                with torch.no_grad():
                    _, log_pi, _ = actor.get_action(b_obs)
                alpha_loss = (-log_alpha.exp() * (log_pi + target_entropy)).mean()
                a_optimizer.zero_grad()
                alpha_loss.backward()
                a_optimizer.step()
                alpha = log_alpha.exp().item()

        if global_step % args.target_network_frequency == 0:
            for param, target_param in zip(qf1.parameters(), qf1_target.parameters(), strict=True):
                target_param.data.copy_(args.tau * param.data + (1 - args.tau) * target_param.data)
            for param, target_param in zip(qf2.parameters(), qf2_target.parameters(), strict=True):
                target_param.data.copy_(args.tau * param.data + (1 - args.tau) * target_param.data)

        if global_step % 100 == 0:
            print(f"step {global_step}: qf_loss {qf_loss.item() / 2.0:.3f} actor_loss {actor_loss.item():.3f} "
                  f"alpha {alpha:.3f} alpha_loss {alpha_loss.item():.3f}")
