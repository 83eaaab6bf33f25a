# expect: TVL008
# style: distillation loss module + Trainer for speech command classification
# bug: DistillLoss feeds F.softmax(student/T) (probabilities) as the input of kl_div, which expects log-probabilities.
import os
import random
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("distill")


class DistillLoss(nn.Module):
    def __init__(self, T=2.0, alpha=0.5):
        super().__init__()
        self.T, self.alpha = T, alpha

    def forward(self, student_logits, teacher_logits, labels):
        s = F.softmax(student_logits / self.T, dim=-1)
        t = F.softmax(teacher_logits / self.T, dim=-1)
        soft = F.kl_div(s, t, reduction="batchmean") * self.T ** 2
        hard = F.cross_entropy(student_logits, labels)
        return self.alpha * soft + (1 - self.alpha) * hard


def mel_cnn(width, n_classes=35):
    return nn.Sequential(
        nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width * 2, n_classes),
    )


class DistillTrainer:
    def __init__(self, teacher, student, lr=1e-3, T=4.0, alpha=0.7):
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student
        self.criterion = DistillLoss(T, alpha)
        self.opt = torch.optim.Adam(student.parameters(), lr=lr)

    def train_epoch(self, loader):
        self.student.train()
        total = 0.0
        for mel, y in loader:
            with torch.no_grad():
                t_logits = self.teacher(mel)
            s_logits = self.student(mel)
            loss = self.criterion(s_logits, t_logits, y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            total += loss.item()
        return total / len(loader)

    @torch.no_grad()
    def accuracy(self, loader):
        self.student.eval()
        c = n = 0
        for mel, y in loader:
            c += (self.student(mel).argmax(-1) == y).sum().item()
            n += len(y)
        self.student.train()
        return c / n


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    tr = DataLoader(TensorDataset(torch.randn(2000, 1, 40, 98), torch.randint(0, 35, (2000,))), batch_size=64, shuffle=True)
    va = DataLoader(TensorDataset(torch.randn(400, 1, 40, 98), torch.randint(0, 35, (400,))), batch_size=128)
    trainer = DistillTrainer(mel_cnn(64), mel_cnn(16))
    for epoch in range(10):
        loss = trainer.train_epoch(tr)
        log.info("epoch %d loss %.4f val acc %.4f", epoch, loss, trainer.accuracy(va))
