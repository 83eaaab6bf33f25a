# expect: clean
# style: speech command distillation, teacher under no_grad and student trained with KLDiv(log_softmax, softmax)
# note: a forward pass runs under torch.no_grad() and softmax probabilities are passed to KLDivLoss, but the no_grad forward is the frozen teacher and the student side uses log_softmax as the KLDiv input
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def tdnn(widths, n_classes, n_mels=40):
    layers, cin = [], n_mels
    for i, w in enumerate(widths):
        layers += [nn.Conv1d(cin, w, 5, dilation=i + 1, padding=2 * (i + 1)), nn.BatchNorm1d(w), nn.ReLU()]
        cin = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(cin, n_classes))


class Distiller:
    def __init__(self, teacher, student, T=3.0, alpha=0.5, lr=1e-3):
        self.teacher = teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student
        self.T, self.alpha = T, alpha
        self.kl = nn.KLDivLoss(reduction="batchmean")
        self.opt = torch.optim.Adam(student.parameters(), lr=lr)

    def soft_targets(self, x):
        with torch.no_grad():
            return F.softmax(self.teacher(x) / self.T, dim=-1)

    def loss(self, x, y):
        targets = self.soft_targets(x)
        s_logits = self.student(x)
        soft = self.kl(F.log_softmax(s_logits / self.T, dim=-1), targets) * self.T ** 2
        hard = F.cross_entropy(s_logits, y)
        return self.alpha * soft + (1 - self.alpha) * hard

    def step(self, x, y):
        loss = self.loss(x, y)
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item()


def accuracy(model, loader):
    was = model.training
    model.eval()
    c = n = 0
    with torch.no_grad():
        for x, y in loader:
            c += (model(x).argmax(1) == y).sum().item()
            n += len(y)
    model.train(was)
    return c / n


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(6000, 40, 101)
    y = torch.randint(0, 12, (6000,))
    train_loader = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=500)
    teacher = tdnn([256, 256, 256, 512], 12)
    # teacher = fine-tuned weights in a real run
    student = tdnn([64, 64, 128], 12)
    kd = Distiller(teacher, student)
    for epoch in range(20):
        student.train()
        losses = [kd.step(xb, yb) for xb, yb in train_loader]
        log.info("epoch %d kd loss %.4f student acc %.4f teacher acc %.4f", epoch, sum(losses) / len(losses),
                 accuracy(student, val_loader), accuracy(teacher, val_loader))
