# expect: TVL001
# style: knowledge-distillation research script (Hinton KD, argparse + tqdm)
# bug: the student forward sits inside the same torch.no_grad() block as the teacher, so the distillation loss cannot reach the student
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def mlp(width, depth, n_in=128, n_out=20):
    layers, d = [], n_in
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.GELU()]
        d = width
    layers.append(nn.Linear(d, n_out))
    return nn.Sequential(*layers)


def kd_loss(s_logits, t_logits, labels, T, alpha):
    soft = F.kl_div(F.log_softmax(s_logits / T, -1), F.softmax(t_logits / T, -1), reduction="batchmean") * T * T
    hard = F.cross_entropy(s_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--temperature", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.7)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()

    teacher = mlp(1024, 4).eval()
    student = mlp(128, 2)
    for p in teacher.parameters():
        p.requires_grad_(False)
    opt = torch.optim.SGD(student.parameters(), lr=0.05, momentum=0.9)
    data = TensorDataset(torch.randn(4096, 128), torch.randint(0, 20, (4096,)))
    loader = DataLoader(data, batch_size=128, shuffle=True, drop_last=True)

    for epoch in range(args.epochs):
        student.train()
        seen, running = 0, 0.0
        pbar = tqdm(loader, desc=f"epoch {epoch}")
        for feats, labels in pbar:
            with torch.no_grad():
                t_logits = teacher(feats)
                s_logits = student(feats)
            loss = kd_loss(s_logits, t_logits, labels, args.temperature, args.alpha)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item() * feats.size(0)
            seen += feats.size(0)
            pbar.set_postfix(loss=running / seen)


if __name__ == "__main__":
    main()
