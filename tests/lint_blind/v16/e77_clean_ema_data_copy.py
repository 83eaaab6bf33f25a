# expect: clean
# style: semi-supervised Mean Teacher trainer with an EMA helper class using .data and no_grad
# note: .data/.detach() and torch.no_grad() appear in the EMA update and in the teacher's pseudo-targets, but the student's loss (supervised CE + consistency) flows through the student forward
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("meanteacher")


class ModelEMA:
    def __init__(self, model, decay=0.999):
        self.ema = copy.deepcopy(model).eval()
        for p in self.ema.parameters():
            p.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, model):
        for e, m in zip(self.ema.parameters(), model.parameters()):
            e.data.mul_(self.decay).add_(m.data, alpha=1 - self.decay)
        for e, m in zip(self.ema.buffers(), model.buffers()):
            e.copy_(m)


def wide_cnn(n_classes=10):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.LeakyReLU(0.1),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1),
        nn.Conv2d(128, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, n_classes))


def augment(x):
    return x + 0.1 * torch.randn_like(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--cons-weight", type=float, default=10.0)
    ap.add_argument("--lr", type=float, default=0.03)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    xl, yl = torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))
    xu = torch.randn(20000, 3, 32, 32)
    lab_loader = DataLoader(TensorDataset(xl, yl), batch_size=32, shuffle=True, drop_last=True)
    unl_loader = DataLoader(TensorDataset(xu), batch_size=128, shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=256)

    student = wide_cnn()
    ema = ModelEMA(student)
    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
    for epoch in range(args.epochs):
        student.train()
        unl_iter = iter(unl_loader)
        for xb, yb in lab_loader:
            try:
                (ub,) = next(unl_iter)
            except StopIteration:
                unl_iter = iter(unl_loader)
                (ub,) = next(unl_iter)
            with torch.no_grad():
                teacher_probs = F.softmax(ema.ema(augment(ub)), dim=1)
            s_logits_u = student(augment(ub))
            cons = F.mse_loss(F.softmax(s_logits_u, dim=1), teacher_probs.detach())
            sup = F.cross_entropy(student(augment(xb)), yb)
            loss = sup + args.cons_weight * min(1.0, epoch / 5) * cons
            opt.zero_grad()
            loss.backward()
            opt.step()
            ema.update(student)
        correct = 0
        with torch.no_grad():
            for x, y in test_loader:
                correct += (ema.ema(x).argmax(1) == y).sum().item()
        log.info("epoch %d sup %.4f cons %.4f ema acc %.4f", epoch, sup.item(), cons.item(), correct / 1000)
    torch.save(ema.ema.state_dict(), "mean_teacher_ema.pt")


if __name__ == "__main__":
    main()
