# expect: TVL001
# style: knowledge-distillation Trainer class, image classification
# bug: _forward_pair wraps both teacher and student forwards in torch.no_grad(), and its student logits are the only input to the loss that is backpropagated.
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


class Net(nn.Module):
    def __init__(self, width, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(conv_block(3, width), conv_block(width, width * 2), conv_block(width * 2, width * 4))
        self.head = nn.Linear(width * 4 * 4 * 4, n_classes)

    def forward(self, x):
        return self.head(self.features(x).flatten(1))


class DistillTrainer:
    def __init__(self, teacher, student, lr=1e-3, temperature=4.0, alpha=0.7, device="cpu"):
        self.teacher = teacher.to(device).eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.student = student.to(device)
        self.device = device
        self.T = temperature
        self.alpha = alpha
        self.opt = torch.optim.AdamW(self.student.parameters(), lr=lr, weight_decay=0.05)

    def _forward_pair(self, x):
        # teacher is frozen anyway, keep memory low
        with torch.no_grad():
            t_logits = self.teacher(x)
            s_logits = self.student(x)
        return t_logits, s_logits

    def _loss(self, s_logits, t_logits, y):
        kd = F.kl_div(F.log_softmax(s_logits / self.T, dim=-1), F.softmax(t_logits / self.T, dim=-1),
                      reduction="batchmean") * self.T ** 2
        ce = F.cross_entropy(s_logits, y)
        return self.alpha * kd + (1 - self.alpha) * ce

    def train_epoch(self, loader):
        self.student.train()
        total, n = 0.0, 0
        for x, y in loader:
            x, y = x.to(self.device), y.to(self.device)
            t_logits, s_logits = self._forward_pair(x)
            loss = self._loss(s_logits, t_logits, y)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            self.opt.step()
            total += loss.item() * x.size(0)
            n += x.size(0)
        return total / n

    @torch.no_grad()
    def evaluate(self, loader):
        self.student.eval()
        correct = n = 0
        for x, y in loader:
            pred = self.student(x.to(self.device)).argmax(-1)
            correct += (pred.cpu() == y).sum().item()
            n += y.numel()
        self.student.train()
        return correct / n


def fake_cifar(n):
    return TensorDataset(torch.randn(n, 3, 32, 32), torch.randint(0, 10, (n,)))


def main():
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    teacher, student = Net(64), Net(16)
    trainer = DistillTrainer(teacher, student)
    train_dl = DataLoader(fake_cifar(2048), batch_size=128, shuffle=True, num_workers=2)
    val_dl = DataLoader(fake_cifar(512), batch_size=256)
    for epoch in range(10):
        t0 = time.time()
        loss = trainer.train_epoch(train_dl)
        acc = trainer.evaluate(val_dl)
        log.info("epoch %d loss %.4f acc %.3f (%.1fs)", epoch, loss, acc, time.time() - t0)


if __name__ == "__main__":
    main()
