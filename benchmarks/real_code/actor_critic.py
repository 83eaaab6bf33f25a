# real: source=https://github.com/pytorch/examples/blob/main/reinforcement_learning/actor_critic.py
# real: args=
# real: bug=value-detached expect=dead-parameters
# real: bug=critic-not-in-optimizer expect=unoptimized-parameters
"""pytorch/examples actor-critic on CartPole: shared Linear body, softmax action head and value
head, Adam(lr=3e-2), per episode normalised returns, -log_prob * advantage plus smooth_l1_loss
value losses stacked, summed, one backward. Changed: a small cart-pole written here instead of
gymnasium, episodes capped at 60 moves (threshold 45), at most --episodes, seed 1."""

import argparse
import math
from collections import namedtuple
from itertools import count

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.distributions import Categorical

torch.set_num_threads(1)

parser = argparse.ArgumentParser(description="PyTorch actor-critic example")
parser.add_argument("--gamma", type=float, default=0.99, metavar="G",
                    help="discount factor (default: 0.99)")
parser.add_argument("--seed", type=int, default=1, metavar="N",
                    help="random seed (default: 1; the original's 543 collapses here)")
parser.add_argument("--log-interval", type=int, default=10, metavar="N",
                    help="interval between training status logs (default: 10)")
parser.add_argument("--episodes", type=int, default=70, help="stop after this many episodes")
parser.add_argument("--bug", default="", choices=["", "value-detached", "critic-not-in-optimizer"])
args = parser.parse_args()


class CartPoleEnv:
    """The classic cart-pole: a pole hinged on a cart pushed left or right with 10 N."""

    reward_threshold = 45.0

    def __init__(self, max_steps=60):
        self.max_steps = max_steps
        self.np_random = np.random.RandomState(0)

    def reset(self, seed=None):
        if seed is not None:
            self.np_random = np.random.RandomState(seed)
        self.s = self.np_random.uniform(low=-0.05, high=0.05, size=(4,))
        self.elapsed = 0
        return np.array(self.s, dtype=np.float32), {}

    def step(self, action):
        gravity, m_cart, m_pole, half_len, dt = 9.8, 1.0, 0.1, 0.5, 0.02
        x, v, th, w = self.s
        f = 10.0 if action == 1 else -10.0
        total = m_cart + m_pole
        tmp = (f + m_pole * half_len * w * w * math.sin(th)) / total
        alpha = (gravity * math.sin(th) - math.cos(th) * tmp) / (
            half_len * (4.0 / 3.0 - m_pole * math.cos(th) ** 2 / total))
        acc = tmp - m_pole * half_len * alpha * math.cos(th) / total
        self.s = np.array([x + dt * v, v + dt * acc, th + dt * w, w + dt * alpha])
        self.elapsed += 1
        done = bool(abs(self.s[0]) > 2.4 or abs(self.s[2]) > 0.2095)
        return np.array(self.s, dtype=np.float32), 1.0, done, self.elapsed >= self.max_steps, {}


env = CartPoleEnv()
env.reset(seed=args.seed)
torch.manual_seed(args.seed)


SavedAction = namedtuple("SavedAction", ["log_prob", "value"])


class Policy(nn.Module):
    """
    implements both actor and critic in one model
    """

    def __init__(self):
        super().__init__()
        self.affine1 = nn.Linear(4, 128)

        # actor's layer
        self.action_head = nn.Linear(128, 2)

        # critic's layer
        self.value_head = nn.Linear(128, 1)

        # action & reward buffer
        self.saved_actions = []
        self.rewards = []

    def forward(self, x):
        x = F.relu(self.affine1(x))
        # actor: probability of each action
        action_prob = F.softmax(self.action_head(x), dim=-1)
        # critic: the value of being in state s_t
        state_values = self.value_head(x)
        return action_prob, state_values


model = Policy()
if args.bug == "critic-not-in-optimizer":  # "only the actor is trained by the policy gradient"
    optimizer = optim.Adam(list(model.affine1.parameters()) + list(model.action_head.parameters()),
                           lr=3e-2)
else:
    optimizer = optim.Adam(model.parameters(), lr=3e-2)
eps = np.finfo(np.float32).eps.item()


def select_action(state):
    state = torch.from_numpy(state).float()
    probs, state_value = model(state)

    # create a categorical distribution over the list of probabilities of actions
    m = Categorical(probs)

    # and sample an action using the distribution
    action = m.sample()

    # save to action buffer
    model.saved_actions.append(SavedAction(m.log_prob(action), state_value))

    # the action to take (left or right)
    return action.item()


def finish_episode():
    """
    Training code. Calculates actor and critic loss and performs backprop.
    """
    R = 0
    saved_actions = model.saved_actions
    policy_losses = []  # list to save actor (policy) loss
    value_losses = []  # list to save critic (value) loss
    returns = []  # list to save the true values

    # calculate the true value using rewards returned from the environment
    for r in model.rewards[::-1]:
        # calculate the discounted value
        R = r + args.gamma * R
        returns.insert(0, R)

    returns = torch.tensor(returns)
    returns = (returns - returns.mean()) / (returns.std() + eps)

    for (log_prob, value), R in zip(saved_actions, returns, strict=True):
        advantage = R - value.item()

        # calculate actor (policy) loss
        policy_losses.append(-log_prob * advantage)

        # calculate critic (value) loss using L1 smooth loss
        if args.bug == "value-detached":
            value_losses.append(F.smooth_l1_loss(value.detach(), torch.tensor([R])))
        else:
            value_losses.append(F.smooth_l1_loss(value, torch.tensor([R])))

    # reset gradients
    optimizer.zero_grad()

    # sum up all the values of policy_losses and value_losses
    loss = torch.stack(policy_losses).sum() + torch.stack(value_losses).sum()

    # perform backprop
    loss.backward()
    optimizer.step()

    # reset rewards and action buffer
    del model.rewards[:]
    del model.saved_actions[:]


def main():
    running_reward = 10

    # run infinitely many episodes
    for i_episode in count(1):

        # reset environment and episode reward
        state, _ = env.reset()
        ep_reward = 0

        # for each episode, only run 9999 steps so that we don't
        # infinite loop while learning
        for t in range(1, 10000):  # noqa: B007 (t is reported after the loop)

            # select action from policy
            action = select_action(state)

            # take the action
            state, reward, terminated, truncated, _ = env.step(action)

            model.rewards.append(reward)
            ep_reward += reward
            if terminated or truncated:
                break

        # update cumulative reward
        running_reward = 0.05 * ep_reward + (1 - 0.05) * running_reward

        # perform backprop
        finish_episode()

        # log results
        if i_episode % args.log_interval == 0:
            print(f"Episode {i_episode}\tLast reward: {ep_reward:.2f}\t"
                  f"Average reward: {running_reward:.2f}")

        # check if we have "solved" the cart pole problem
        if running_reward > env.reward_threshold:
            print(f"Solved! Running reward is now {running_reward} and "
                  f"the last episode runs to {t} time steps!")
            break
        if i_episode >= args.episodes:
            break


if __name__ == "__main__":
    main()
