# expect: clean
# style: Hinton knowledge distillation in a research repo (DistillKL module like RepDistiller, teacher frozen in eval under no_grad)
# note: F.kl_div receives student log_softmax and teacher softmax probabilities (log_target=False) — the documented convention
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class DistillKL(nn.Module):
    """Distilling the Knowledge in a Neural Network"""

    def __init__(self, T):
        super().__init__()
        self.T = T

    def forward(self, y_s, y_t):
        p_s = F.log_softmax(y_s / self.T, dim=1)
        p_t = F.softmax(y_t / self.T, dim=1)
        return F.kl_div(p_s, p_t, reduction="batchmean") * (self.T ** 2)


def net(width):
    return nn.Sequential(nn.Flatten(), nn.Linear(784, width), nn.ReLU(), nn.Linear(width, 10))


def train_distill(epoch, loader, student, teacher, criterion_cls, criterion_div, optimizer, opt):
    student.train()
    teacher.eval()
    total, n = 0.0, 0
    for x, target in loader:
        logit_s = student(x)
        with torch.no_grad():
            logit_t = teacher(x)
        loss = opt.gamma * criterion_cls(logit_s, target) + opt.alpha * criterion_div(logit_s, logit_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * x.size(0)
        n += x.size(0)
    print(f"epoch {epoch} distill loss {total / n:.4f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--kd_T", type=float, default=4)
    ap.add_argument("--gamma", type=float, default=0.1)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--path_t", type=str, default="teacher.pth")
    opt = ap.parse_args()
    teacher, student = net(1200), net(64)
    teacher.load_state_dict(torch.load(opt.path_t, map_location="cpu", weights_only=True)["model"])
    loader = DataLoader(TensorDataset(torch.randn(6000, 1, 28, 28), torch.randint(0, 10, (6000,))), batch_size=64, shuffle=True)
    optimizer = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    for epoch in range(1, opt.epochs + 1):
        train_distill(epoch, loader, student, teacher, nn.CrossEntropyLoss(), DistillKL(opt.kd_T), optimizer, opt)
