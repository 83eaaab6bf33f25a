# expect: clean
# style: Mean-Teacher semi-supervised research code (student + EMA teacher, consistency loss, argparse + tqdm)
# note: the teacher forward runs under torch.no_grad() and its weights are EMA-updated in place; only the student is optimized and it gets gradients through its own forward
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def make_model():
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 10))


@torch.no_grad()
def update_ema(teacher, student, decay):
    for t_p, s_p in zip(teacher.parameters(), student.parameters()):
        t_p.mul_(decay).add_(s_p.detach(), alpha=1 - decay)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ema-decay", type=float, default=0.99)
    ap.add_argument("--consistency", type=float, default=10.0)
    ap.add_argument("--epochs", type=int, default=5)
    args = ap.parse_args()
    student = make_model()
    teacher = copy.deepcopy(student)
    for p in teacher.parameters():
        p.requires_grad_(False)
    optimizer = torch.optim.Adam(student.parameters(), lr=1e-3)
    labeled = DataLoader(TensorDataset(torch.randn(500, 64), torch.randint(0, 10, (500,))), batch_size=32, shuffle=True, drop_last=True)
    unlabeled = DataLoader(TensorDataset(torch.randn(5000, 64)), batch_size=128, shuffle=True, drop_last=True)
    for epoch in range(args.epochs):
        student.train()
        teacher.train()
        for (xl, yl), (xu,) in tqdm(zip(labeled, unlabeled), total=min(len(labeled), len(unlabeled))):
            s_logits_l = student(xl)
            s_logits_u = student(xu + 0.05 * torch.randn_like(xu))
            with torch.no_grad():
                t_probs_u = F.softmax(teacher(xu + 0.05 * torch.randn_like(xu)), dim=-1)
            class_loss = F.cross_entropy(s_logits_l, yl)
            cons_loss = F.mse_loss(F.softmax(s_logits_u, dim=-1), t_probs_u)
            loss = class_loss + args.consistency * cons_loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            update_ema(teacher, student, args.ema_decay)
        print(f"epoch {epoch}: class {class_loss.item():.4f} consistency {cons_loss.item():.5f}")


if __name__ == "__main__":
    main()
