# expect: TVL001
# The bandit's `decide()` keeps each choice's log-probability on the object; the script calls it
# only inside `torch.inference_mode()`, so what `update()` stacks into the loss has no graph.
import torch
import torch.nn as nn


class Bandit:
    def __init__(self, arms):
        self.prefs = nn.Linear(2, arms)
        self.sgd = torch.optim.SGD(self.prefs.parameters(), lr=0.05)
        self.logps = []

    def decide(self, context):
        logp = torch.log_softmax(self.prefs(context), dim=-1)
        arm = int(torch.distributions.Categorical(logits=logp).sample())
        self.logps.append(logp[arm])
        return arm

    def update(self, rewards):
        loss = -(torch.stack(self.logps) * torch.tensor(rewards)).sum()
        self.sgd.zero_grad()
        loss.backward()
        self.sgd.step()
        self.logps = []


bandit = Bandit(4)
for round_ in range(300):
    rewards = []
    with torch.inference_mode():
        for _ in range(8):
            arm = bandit.decide(torch.randn(2))
            rewards.append(1.0 if arm == 1 else 0.0)
    bandit.update(rewards)
