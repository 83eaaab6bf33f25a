# expect: TVL008
# style: distillation for speech intent classification, helper functions for soft targets
# bug: soften() returns softmax probabilities and distill_loss passes the student's probabilities (not log-probabilities) as the input of nn.KLDivLoss.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kd")


class ConvIntent(nn.Module):
    def __init__(self, n_mels=40, width=64, n_intents=31):
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv1d(n_mels, width, 5, padding=2), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Conv1d(width, width, 5, padding=2, dilation=1), nn.BatchNorm1d(width), nn.ReLU(),
            nn.Conv1d(width, width * 2, 5, padding=4, dilation=2), nn.BatchNorm1d(width * 2), nn.ReLU(),
        )
        self.fc = nn.Linear(width * 2, n_intents)

    def forward(self, x):
        return self.fc(self.conv(x).amax(-1))


def soften(logits, T):
    return F.softmax(logits / T, dim=-1)


kl = nn.KLDivLoss(reduction="batchmean")


def distill_loss(student_logits, teacher_logits, labels, T, alpha):
    p_s = soften(student_logits, T)
    p_t = soften(teacher_logits, T)
    soft = kl(p_s, p_t) * (T * T)
    hard = F.cross_entropy(student_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def count_params(m):
    return sum(p.numel() for p in m.parameters())


def latency_ms(model, n_mels=40, frames=200, reps=20):
    import time
    model.eval()
    x = torch.randn(1, n_mels, frames)
    with torch.no_grad():
        for _ in range(3):
            model(x)
        t0 = time.perf_counter()
        for _ in range(reps):
            model(x)
    model.train()
    return (time.perf_counter() - t0) / reps * 1000


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=float, default=3.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    x = torch.randn(4000, 40, 200)
    y = torch.randint(0, 31, (4000,))
    train_dl = DataLoader(TensorDataset(x[:3500], y[:3500]), batch_size=64, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[3500:], y[3500:]), batch_size=256)

    teacher = ConvIntent(width=256).eval()
    for p in teacher.parameters():
        p.requires_grad = False
    student = ConvIntent(width=32)
    opt = torch.optim.Adam(student.parameters(), lr=2e-3)
    log.info("teacher %d params, student %d params, student latency %.2f ms",
             count_params(teacher), count_params(student), latency_ms(student))

    for epoch in range(args.epochs):
        student.train()
        tot = 0.0
        for xb, yb in train_dl:
            with torch.no_grad():
                t_logits = teacher(xb)
            loss = distill_loss(student(xb), t_logits, yb, args.T, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        student.eval()
        with torch.no_grad():
            acc = sum((student(xb).argmax(-1) == yb).sum().item() for xb, yb in val_dl) / 500
        log.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(train_dl), acc)


if __name__ == "__main__":
    main()
