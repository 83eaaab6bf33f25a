# expect: TVL001
# style: research distillation script, argparse, helper that runs models under no_grad
# bug: the shared `predict` helper wraps every forward in torch.no_grad(), and the student's training loss is computed from it, so backward has no path to the student
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("distill")


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--temperature", type=float, default=4.0)
    p.add_argument("--alpha", type=float, default=0.7)
    p.add_argument("--batch-size", type=int, default=64)
    return p.parse_args()


def make_mlp(width, depth, n_cls=10):
    layers, d = [], 784
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, n_cls))
    return nn.Sequential(*layers)


def predict(model, x):
    """Forward pass used for both the teacher and the student (no autograd bookkeeping)."""
    with torch.no_grad():
        return model(x)


def kd_loss(s_logits, t_logits, y, T, alpha):
    soft = F.kl_div(F.log_softmax(s_logits / T, dim=-1), F.softmax(t_logits / T, dim=-1),
                    reduction="batchmean") * T * T
    hard = F.cross_entropy(s_logits, y)
    return alpha * soft + (1 - alpha) * hard


def main():
    args = parse_args()
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(2048, 784)
    y = torch.randint(0, 10, (2048,))
    loader = DataLoader(TensorDataset(x, y), batch_size=args.batch_size, shuffle=True)

    teacher = make_mlp(1024, 3).eval()
    student = make_mlp(128, 1)
    opt = torch.optim.AdamW(student.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        student.train()
        running = 0.0
        for step, (xb, yb) in enumerate(loader):
            t_logits = predict(teacher, xb)
            s_logits = predict(student, xb)
            loss = kd_loss(s_logits.requires_grad_(), t_logits, yb, args.temperature, args.alpha)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
            if step % 10 == 0:
                log.info("epoch %d step %d loss %.4f", epoch, step, loss.item())
        log.info("epoch %d mean loss %.4f", epoch, running / len(loader))


if __name__ == "__main__":
    main()
