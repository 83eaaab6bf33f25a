# expect: clean
# style: semi-supervised mean-teacher trainer (vision), EMA teacher updated from .data, detached pseudo-targets
# note: .detach() and .data appear on the EMA teacher's outputs and weights and on logged values, while the student's supervised and consistency losses keep the student's graph intact
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("meanteacher")


def make_net():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(64, 10))


@torch.no_grad()
def ema_update(teacher, student, decay):
    for tp, sp in zip(teacher.parameters(), student.parameters()):
        tp.data.mul_(decay).add_(sp.data, alpha=1 - decay)
    for tb, sb in zip(teacher.buffers(), student.buffers()):
        tb.data.copy_(sb.data)


def augment(x):
    return x + 0.15 * torch.randn_like(x)


class MeanTeacher:
    def __init__(self, student, lr=0.05, decay=0.99, cons_weight=10.0):
        self.student = student
        self.teacher = copy.deepcopy(student)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.SGD(student.parameters(), lr=lr, momentum=0.9, nesterov=True)
        self.decay, self.cons_weight = decay, cons_weight
        self.history = []

    def step(self, xl, yl, xu):
        self.student.train()
        self.teacher.train()
        s_l = self.student(augment(xl))
        s_u = self.student(augment(xu))
        t_u = self.teacher(augment(xu)).detach()
        sup = F.cross_entropy(s_l, yl)
        cons = F.mse_loss(F.softmax(s_u, 1), F.softmax(t_u, 1))
        loss = sup + self.cons_weight * cons
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        ema_update(self.teacher, self.student, self.decay)
        self.history.append({"sup": sup.detach().item(), "cons": cons.detach().item()})
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.teacher.eval()
        acc = sum((self.teacher(x).argmax(1) == y).sum().item() for x, y in loader) / len(loader.dataset)
        return acc


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x, y = torch.randn(12000, 3, 32, 32), torch.randint(0, 10, (12000,))
    labeled = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=32, shuffle=True, drop_last=True)
    unlabeled = DataLoader(TensorDataset(x[1000:11000]), batch_size=128, shuffle=True, drop_last=True)
    test = DataLoader(TensorDataset(x[11000:], y[11000:]), batch_size=500)
    mt = MeanTeacher(make_net())
    for ep in range(10):
        for (xl, yl), (xu,) in zip(labeled, unlabeled):
            mt.step(xl, yl, xu)
        recent = mt.history[-20:]
        log.info("epoch %d sup %.4f cons %.4f teacher acc %.4f", ep,
                 sum(h["sup"] for h in recent) / len(recent), sum(h["cons"] for h in recent) / len(recent),
                 mt.evaluate(test))
    torch.save(mt.teacher.state_dict(), "mean_teacher.pt")
