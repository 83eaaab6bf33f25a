# expect: clean
# A mean-teacher segmenter: the EMA branch is frozen in a zip loop beside the student's
# parameters and runs under no_grad; the optimizer covers the whole wrapper. A class-prototype
# buffer is cloned (a buffer has no gradient to lose).
import torch
import torch.nn as nn
import torch.nn.functional as F


class MeanTeacher(nn.Module):
    def __init__(self, make, decay=0.99):
        super().__init__()
        self.student, self.ema = make(), make()
        for s, e in zip(self.student.parameters(), self.ema.parameters()):
            e.data.copy_(s.data)
            e.requires_grad = False
        self.decay = decay
        self.register_buffer("protos", torch.zeros(4, 16))

    def forward(self, weak, strong):
        pred = self.student(strong)
        with torch.no_grad():
            target = self.ema(weak).softmax(1)
        sim = pred @ self.protos.clone().detach().t()
        return pred, target, sim


net = MeanTeacher(lambda: nn.Linear(32, 16))
optim = torch.optim.AdamW(net.parameters(), lr=1e-3)
for weak, strong in pairs:
    pred, target, sim = net(weak, strong)
    loss = F.mse_loss(pred.softmax(1), target) + 0.0 * sim.mean()
    optim.zero_grad()
    loss.backward()
    optim.step()
