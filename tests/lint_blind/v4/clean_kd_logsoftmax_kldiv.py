# expect: clean
# style: knowledge distillation with a frozen teacher (RepDistiller-like DistillKL criterion)
# note: KL-div gets log_softmax(student/T) as input and softmax(teacher/T) as target (the documented convention); the teacher runs under no_grad and is never optimized
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class DistillKL(nn.Module):
    def __init__(self, T):
        super().__init__()
        self.T = T

    def forward(self, y_s, y_t):
        p_s = F.log_softmax(y_s / self.T, dim=1)
        p_t = F.softmax(y_t / self.T, dim=1)
        return F.kl_div(p_s, p_t, reduction="batchmean") * (self.T ** 2)


def wrn(width):
    return nn.Sequential(nn.Conv2d(3, 16 * width, 3, padding=1), nn.BatchNorm2d(16 * width), nn.ReLU(),
                         nn.Conv2d(16 * width, 32 * width, 3, 2, 1), nn.BatchNorm2d(32 * width), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32 * width, 100))


def train_distill(epoch, loader, model_s, model_t, criterion_cls, criterion_kd, optimizer, opt):
    model_s.train()
    model_t.eval()
    for idx, (inp, target) in enumerate(loader):
        logit_s = model_s(inp)
        with torch.no_grad():
            logit_t = model_t(inp)
        loss = opt.gamma * criterion_cls(logit_s, target) + opt.alpha * criterion_kd(logit_s, logit_t)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if idx % 20 == 0:
            print(f"Epoch: [{epoch}][{idx}/{len(loader)}]\tLoss {loss.item():.4f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--kd_T", type=float, default=4)
    parser.add_argument("--gamma", type=float, default=0.1)
    parser.add_argument("--alpha", type=float, default=0.9)
    parser.add_argument("--epochs", type=int, default=240)
    opt = parser.parse_args()
    model_t, model_s = wrn(4).requires_grad_(False), wrn(1)
    ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 100, (512,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    optimizer = torch.optim.SGD(model_s.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[150, 180, 210], gamma=0.1)
    for epoch in range(1, opt.epochs + 1):
        train_distill(epoch, loader, model_s, model_t, nn.CrossEntropyLoss(), DistillKL(opt.kd_T), optimizer, opt)
        scheduler.step()
