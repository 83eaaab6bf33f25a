# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F


class Distill:
    def __init__(self, student, teacher, tau=3.0):
        self.student, self.teacher, self.tau = student, teacher, tau
        self.opt = torch.optim.AdamW(student.parameters(), lr=1e-4)

    def _dist(self, logits):
        return F.softmax(logits / self.tau, dim=-1)

    def _log_dist(self, logits):
        return F.log_softmax(logits / self.tau, dim=-1)

    def step(self, x):
        with torch.no_grad():
            t = self._dist(self.teacher(x))
        s = self._log_dist(self.student(x))
        loss = F.kl_div(s, t, reduction="batchmean")
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()


d = Distill(nn.Linear(8, 4), nn.Linear(8, 4))
for _ in range(10):
    d.step(torch.randn(16, 8))
