# zoo: expect=probabilities-as-logits
# zoo: source=https://github.com/sebastian-hofstaetter/matchmaker/issues/18
"""Fault: knowledge distillation with nn.KLDivLoss fed the student's softmax probabilities, as
the teacher's targets are. KLDivLoss expects log-probabilities as its input: the loss it computes
is not a KL divergence (it goes negative) and its gradient pulls the student the wrong way
(probabilities-as-logits). --fixed: F.log_softmax for the student."""

import argparse

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--fixed", action="store_true")
args = parser.parse_args()
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
x = torch.randn(2048, 20, generator=g)
teacher = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 10)).requires_grad_(False)
student = nn.Sequential(nn.Linear(20, 32), nn.ReLU(), nn.Linear(32, 10))
optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
kl = nn.KLDivLoss(reduction="batchmean")
T = 2.0
for _ in range(250):
    i = torch.randint(0, len(x), (64,), generator=g)
    with torch.no_grad():
        soft_targets = F.softmax(teacher(x[i]) / T, dim=-1)
    logits = student(x[i]) / T
    if args.fixed:
        inputs = F.log_softmax(logits, dim=-1)
    else:
        inputs = F.softmax(logits, dim=-1)  # the bug: probabilities where log-probabilities go
    optimizer.zero_grad()
    loss = kl(inputs, soft_targets) * T * T
    loss.backward()
    optimizer.step()
print(f"final loss {loss.item():.4f}")
