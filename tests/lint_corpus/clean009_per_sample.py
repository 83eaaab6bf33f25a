# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class Critic(nn.Module):
    def __init__(self, obs_dim):
        super().__init__()
        self.fc = nn.Linear(obs_dim, 128)
        self.value = nn.Linear(128, 1)

    def forward(self, state):
        return self.value(F.relu(self.fc(state)))


def finish_episode(critic, optimizer, states, rewards, gamma=0.99):
    R, losses = 0.0, []
    for state, r in zip(reversed(states), reversed(rewards)):
        R = r + gamma * R
        value = critic(torch.as_tensor(state, dtype=torch.float32))
        losses.append(F.smooth_l1_loss(value, torch.tensor([R])))
    optimizer.zero_grad()
    torch.stack(losses).sum().backward()
    optimizer.step()


def fit_one(net: nn.Module, xs, ys, optimizer):
    for x, y in zip(xs, ys):
        loss = nn.MSELoss()(net(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
