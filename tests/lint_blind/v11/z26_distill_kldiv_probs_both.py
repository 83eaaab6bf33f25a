# expect: TVL008
# style: self-distillation trainer class with a loss module built from config
# bug: `SoftTargetLoss` passes softmax probabilities (not log-probabilities) of the student as the input to nn.KLDivLoss
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class DistillConfig:
    temperature: float = 3.0
    kd_weight: float = 0.8
    ema_decay: float = 0.999
    lr: float = 1e-3
    epochs: int = 5


class SoftTargetLoss(nn.Module):
    def __init__(self, T):
        super().__init__()
        self.T = T
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def forward(self, student_logits, teacher_logits):
        p_s = F.softmax(student_logits / self.T, dim=-1)
        p_t = F.softmax(teacher_logits / self.T, dim=-1)
        return self.kl(p_s, p_t) * self.T ** 2


def make_net():
    return nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.LayerNorm(256), nn.Linear(256, 20))


class EMATeacherTrainer:
    def __init__(self, cfg: DistillConfig):
        self.cfg = cfg
        self.student = make_net()
        self.teacher = make_net()
        self.teacher.load_state_dict(self.student.state_dict())
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.kd = SoftTargetLoss(cfg.temperature)
        self.opt = torch.optim.Adam(self.student.parameters(), lr=cfg.lr)

    @torch.no_grad()
    def update_teacher(self):
        d = self.cfg.ema_decay
        for pt, ps in zip(self.teacher.parameters(), self.student.parameters()):
            pt.mul_(d).add_(ps, alpha=1 - d)

    def step(self, x, y):
        s = self.student(x)
        with torch.no_grad():
            t = self.teacher(x)
        loss = (1 - self.cfg.kd_weight) * F.cross_entropy(s, y) + self.cfg.kd_weight * self.kd(s, t)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.update_teacher()
        return loss.item()

    def fit(self, loader):
        self.teacher.eval()
        for ep in range(self.cfg.epochs):
            self.student.train()
            losses = [self.step(x, y) for x, y in loader]
            print(f"epoch {ep} loss {sum(losses)/len(losses):.4f}")


if __name__ == "__main__":
    ds = TensorDataset(torch.randn(4000, 64), torch.randint(0, 20, (4000,)))
    EMATeacherTrainer(DistillConfig()).fit(DataLoader(ds, batch_size=128, shuffle=True))
