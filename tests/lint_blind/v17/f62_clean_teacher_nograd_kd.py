# expect: clean
# style: knowledge distillation with a Distiller class, teacher forward under torch.no_grad(), speech-command audio features
# note: the teacher runs under torch.no_grad() but it is frozen and not optimised; the student's forward is outside no_grad, and the KD term uses log_softmax(student) with softmax(teacher) targets as KLDivLoss expects.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


def mlp_mixer_like(d_in, hidden, depth, n_cls):
    layers = [nn.Linear(d_in, hidden), nn.GELU()]
    for _ in range(depth):
        layers += [nn.LayerNorm(hidden), nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(0.1)]
    return nn.Sequential(nn.Flatten(), *layers, nn.Linear(hidden, n_cls))


class Distiller(nn.Module):
    def __init__(self, student, teacher, T=3.0, alpha=0.7):
        super().__init__()
        self.student, self.teacher = student, teacher
        self.T, self.alpha = T, alpha
        self.teacher.eval()
        for p in self.teacher.parameters():
            p.requires_grad_(False)
        self.kl = nn.KLDivLoss(reduction="batchmean")

    def train(self, mode=True):
        self.student.train(mode)
        self.teacher.eval()
        return self

    def forward(self, x, y):
        with torch.no_grad():
            t_logits = self.teacher(x)
        s_logits = self.student(x)
        kd = self.kl(F.log_softmax(s_logits / self.T, dim=-1), F.softmax(t_logits / self.T, dim=-1)) * self.T ** 2
        ce = F.cross_entropy(s_logits, y)
        return self.alpha * kd + (1 - self.alpha) * ce, s_logits


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--T", type=float, default=3.0)
    ap.add_argument("--alpha", type=float, default=0.7)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    feats = torch.randn(12000, 40, 49)
    labels = torch.randint(0, 12, (12000,))
    feats[torch.arange(12000), labels * 3] += 2.0
    train_dl = DataLoader(TensorDataset(feats[:10000], labels[:10000]), batch_size=128, shuffle=True)
    test_dl = DataLoader(TensorDataset(feats[10000:], labels[10000:]), batch_size=512)

    teacher = mlp_mixer_like(40 * 49, 512, 4, 12)
    student = mlp_mixer_like(40 * 49, 96, 1, 12)
    distiller = Distiller(student, teacher, args.T, args.alpha)
    opt = torch.optim.Adam(student.parameters(), lr=1e-3)

    for epoch in range(args.epochs):
        distiller.train()
        tot = 0.0
        for x, y in train_dl:
            loss, _ = distiller(x, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        student.eval()
        correct = 0
        with torch.no_grad():
            for x, y in test_dl:
                correct += (student(x).argmax(1) == y).sum().item()
        log.info("epoch %d loss %.4f student_acc %.4f", epoch, tot / len(train_dl), correct / len(test_dl.dataset))
    torch.save(student.state_dict(), "kws_student.pt")


if __name__ == "__main__":
    main()
