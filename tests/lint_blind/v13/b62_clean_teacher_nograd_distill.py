# expect: clean
# style: distillation Trainer subclass (HF-like), image classification teacher -> student
# note: the teacher runs under torch.no_grad() and is frozen, the student forward has grad, and KLDivLoss gets log_softmax(student) with softmax(teacher) targets
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def make_cnn(width, n_cls=10):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, n_cls))


class BaseTrainer:
    def __init__(self, model, lr=1e-3, epochs=5):
        self.model = model
        self.epochs = epochs
        self.optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def compute_loss(self, x, y):
        return F.cross_entropy(self.model(x), y)

    def fit(self, train_dl, val_dl):
        for ep in range(self.epochs):
            self.model.train()
            running = 0.0
            for x, y in train_dl:
                self.optimizer.zero_grad()
                loss = self.compute_loss(x, y)
                loss.backward()
                self.optimizer.step()
                running += loss.item()
            log.info("epoch %d loss %.4f val acc %.4f", ep, running / len(train_dl), self.evaluate(val_dl))

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        acc = sum((self.model(x).argmax(1) == y).sum().item() for x, y in loader) / len(loader.dataset)
        self.model.train()
        return acc


class DistillTrainer(BaseTrainer):
    def __init__(self, student, teacher, T=3.0, alpha=0.5, **kw):
        super().__init__(student, **kw)
        self.teacher = teacher.eval()
        self.teacher.requires_grad_(False)
        self.T, self.alpha = T, alpha

    @torch.no_grad()
    def teacher_logits(self, x):
        return self.teacher(x)

    def compute_loss(self, x, y):
        s = self.model(x)
        t = self.teacher_logits(x)
        kd = F.kl_div(F.log_softmax(s / self.T, -1), F.softmax(t / self.T, -1), reduction="batchmean")
        return self.alpha * kd * self.T ** 2 + (1 - self.alpha) * F.cross_entropy(s, y)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, 10, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=256)
    teacher = make_cnn(128)
    BaseTrainer(teacher, epochs=3).fit(train_dl, val_dl)
    student = make_cnn(16)
    DistillTrainer(student, teacher, epochs=5).fit(train_dl, val_dl)
    torch.save(student.state_dict(), "student_kd.pt")
