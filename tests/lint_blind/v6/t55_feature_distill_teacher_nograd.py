# expect: clean
# style: research repo Trainer class, vision feature distillation (FitNets-style)
# note: a torch.no_grad() block and a @torch.no_grad() helper appear in the training step, but they wrap only the frozen teacher; the student and its adapter run with autograd and both are in the optimizer.
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def make_cnn(width, n_classes=100):
    feats = nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(), nn.MaxPool2d(2),
    )
    head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, n_classes))
    return nn.ModuleDict({"features": feats, "head": head})


class FeatureDistiller:
    def __init__(self, teacher, student, t_dim, s_dim, lr=0.05, beta=50.0):
        self.teacher = teacher.eval()
        self.teacher.requires_grad_(False)
        self.student = student
        self.adapter = nn.Conv2d(s_dim, t_dim, 1)
        params = list(self.student.parameters()) + list(self.adapter.parameters())
        self.opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
        self.beta = beta

    @torch.no_grad()
    def teacher_features(self, x):
        return self.teacher["features"](x)

    def step(self, x, y):
        t_feat = self.teacher_features(x)
        s_feat = self.student["features"](x)
        logits = self.student["head"](s_feat)
        hint = F.mse_loss(self.adapter(s_feat), t_feat)
        loss = F.cross_entropy(logits, y) + self.beta * hint
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        return loss.item(), hint.item()

    def train(self, loader, epochs):
        for epoch in range(epochs):
            self.student.train()
            self.adapter.train()
            tot = hint_tot = 0.0
            for x, y in loader:
                l, h = self.step(x, y)
                tot += l
                hint_tot += h
            print(f"epoch {epoch} loss {tot / len(loader):.4f} hint {hint_tot / len(loader):.4f}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--beta", type=float, default=50.0)
    args = ap.parse_args()

    data = TensorDataset(torch.randn(2000, 3, 32, 32), torch.randint(0, 100, (2000,)))
    loader = DataLoader(data, batch_size=64, shuffle=True)
    teacher = make_cnn(64)
    student = make_cnn(16)
    with torch.no_grad():
        probe = teacher["features"](torch.zeros(1, 3, 32, 32))
    print("teacher feature map", tuple(probe.shape))
    FeatureDistiller(teacher, student, t_dim=128, s_dim=32, beta=args.beta).train(loader, args.epochs)


if __name__ == "__main__":
    main()
