# expect: clean
# A learner object chooses moves in `choose()` with the graph kept and stores each move's
# log-probability in `self.trace`; `improve()` builds the loss from `self.trace`, which carries
# the scorer network's graph.
import torch
import torch.nn as nn


class Learner:
    def __init__(self, n_in, n_moves):
        self.scorer = nn.Sequential(nn.Linear(n_in, 48), nn.ELU(), nn.Linear(48, n_moves))
        self.opt = torch.optim.SGD(self.scorer.parameters(), lr=1e-2)
        self.trace = []
        self.payoffs = []

    def choose(self, situation):
        logp = torch.log_softmax(self.scorer(situation), dim=-1)
        move = int(torch.argmax(logp + torch.rand_like(logp)))
        self.trace.append(logp[move])
        return move

    def improve(self):
        payoffs = torch.tensor(self.payoffs)
        objective = -(torch.stack(self.trace) * payoffs).mean()
        self.opt.zero_grad()
        objective.backward()
        self.opt.step()
        self.trace, self.payoffs = [], []


learner = Learner(5, 3)
for game in range(50):
    for turn in range(10):
        move = learner.choose(torch.randn(5))
        learner.payoffs.append(1.0 if move == 0 else 0.0)
    learner.improve()
