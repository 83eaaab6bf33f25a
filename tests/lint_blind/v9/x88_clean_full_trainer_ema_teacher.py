# expect: clean
# style: semi-supervised (Mean Teacher) image classification Trainer with EMA teacher, eval/train toggling and checkpointing
# note: many near-miss patterns, all correct: the EMA teacher runs under no_grad and is not in the optimizer (its params are frozen), evaluate() switches to eval and fit() re-enters train() every epoch, losses are logged with .item(), and checkpoints are loaded with weights_only=True.
import argparse
import copy
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("meanteacher")


def wide_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class Net(nn.Module):
    def __init__(self, n_classes=10):
        super().__init__()
        self.body = nn.Sequential(wide_block(3, 64), nn.MaxPool2d(2), wide_block(64, 128), nn.MaxPool2d(2), wide_block(128, 256), nn.AdaptiveAvgPool2d(1))
        self.drop = nn.Dropout(0.3)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        return self.fc(self.drop(self.body(x).flatten(1)))


class MeanTeacherTrainer:
    def __init__(self, args):
        self.args = args
        self.student = Net()
        self.teacher = copy.deepcopy(self.student)
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.opt = torch.optim.SGD(self.student.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=5e-4)
        self.step = 0

    @torch.no_grad()
    def ema_update(self):
        alpha = min(1 - 1 / (self.step + 1), self.args.ema)
        for t, s in zip(self.teacher.state_dict().values(), self.student.state_dict().values()):
            if t.dtype.is_floating_point:
                t.mul_(alpha).add_(s, alpha=1 - alpha)
            else:
                t.copy_(s)

    def train_step(self, xl, yl, xu):
        noise = lambda x: x + 0.15 * torch.randn_like(x)
        logits_l = self.student(noise(xl))
        logits_u = self.student(noise(xu))
        with torch.no_grad():
            target_u = F.softmax(self.teacher(noise(xu)), dim=1)
        sup = F.cross_entropy(logits_l, yl)
        cons = F.mse_loss(F.softmax(logits_u, dim=1), target_u)
        loss = sup + self.args.cons_w * cons
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.step += 1
        self.ema_update()
        return sup.item(), cons.item()

    @torch.no_grad()
    def evaluate(self, model, loader):
        model.eval()
        correct = sum((model(x).argmax(1) == y).sum().item() for x, y in loader)
        return correct / len(loader.dataset)

    def fit(self, lab_dl, unl_dl, val_dl):
        for epoch in range(self.args.epochs):
            self.student.train()
            self.teacher.train()
            sups, conss = [], []
            for (xl, yl), (xu,) in zip(lab_dl, unl_dl):
                s, c = self.train_step(xl, yl, xu)
                sups.append(s)
                conss.append(c)
            acc_s = self.evaluate(self.student, val_dl)
            acc_t = self.evaluate(self.teacher, val_dl)
            log.info("epoch %d sup %.4f cons %.4f acc student %.4f teacher %.4f", epoch, sum(sups) / len(sups), sum(conss) / len(conss), acc_s, acc_t)
            torch.save({"student": self.student.state_dict(), "teacher": self.teacher.state_dict(), "step": self.step}, os.path.join(self.args.out, "last.pt"))

    def resume(self, path):
        ckpt = torch.load(path, map_location="cpu", weights_only=True)
        self.student.load_state_dict(ckpt["student"])
        self.teacher.load_state_dict(ckpt["teacher"])
        self.step = ckpt["step"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--ema", type=float, default=0.99)
    ap.add_argument("--cons-w", type=float, default=10.0)
    ap.add_argument("--resume", default="")
    ap.add_argument("--out", default="runs/mt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.out, exist_ok=True)
    trainer = MeanTeacherTrainer(args)
    if args.resume:
        trainer.resume(args.resume)
    lab = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=32, shuffle=True, drop_last=True)
    unl = DataLoader(TensorDataset(torch.randn(8000, 3, 32, 32)), batch_size=96, shuffle=True, drop_last=True)
    val = DataLoader(TensorDataset(torch.randn(1000, 3, 32, 32), torch.randint(0, 10, (1000,))), batch_size=256)
    trainer.fit(lab, unl, val)


if __name__ == "__main__":
    main()
