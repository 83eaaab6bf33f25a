# expect: clean
# A policy-gradient learner plays an episode with the graph kept, records each step's
# log-probability in a trajectory object, and `learn` builds the loss from those records: the
# policy's output reaches the loss live.
import torch
import torch.nn as nn


class Trajectory:
    def __init__(self):
        self.logps = []
        self.gains = []

    def record(self, logp, gain):
        self.logps.append(logp)
        self.gains.append(gain)


def play(pi, steps):
    traj = Trajectory()
    for _ in range(steps):
        probs = torch.softmax(pi(torch.randn(1, 6)), dim=-1)
        arm = torch.multinomial(probs, 1)
        traj.record(torch.log(probs.gather(1, arm)).sum(), float(arm.item() == 2))
    return traj


def learn(pi, opt, traj):
    gains = torch.tensor(traj.gains)
    surrogate = -(torch.stack(traj.logps) * (gains - gains.mean())).sum()
    opt.zero_grad()
    surrogate.backward()
    opt.step()


pi = nn.Sequential(nn.Linear(6, 32), nn.ReLU(), nn.Linear(32, 4))
opt = torch.optim.RMSprop(pi.parameters(), lr=1e-3)
for it in range(200):
    learn(pi, opt, play(pi, 20))
