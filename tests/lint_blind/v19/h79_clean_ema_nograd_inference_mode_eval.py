# expect: clean
# style: semi-supervised Mean-Teacher classifier on tabular sensor data; EMA teacher updated in a helper under no_grad, eval under inference_mode
# note: no_grad/inference_mode blocks appear around model forwards (TVL001 look-alike), but they wrap only the EMA teacher's pseudo-targets, the EMA parameter update and evaluation; the student forward that feeds the loss runs with grad
import argparse
import copy
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("meanteacher")


def mlp(d_in, n_cls):
    return nn.Sequential(nn.Linear(d_in, 256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, 128), nn.ReLU(),
                         nn.Dropout(0.3), nn.Linear(128, n_cls))


@torch.no_grad()
def ema_update(teacher, student, decay):
    for t, s in zip(teacher.parameters(), student.parameters()):
        t.mul_(decay).add_(s, alpha=1 - decay)
    for tb, sb in zip(teacher.buffers(), student.buffers()):
        tb.copy_(sb)


def noisy(x, std=0.1):
    return x + std * torch.randn_like(x)


def consistency_weight(step, ramp=2000, max_w=10.0):
    return max_w * float(np.exp(-5 * (1 - min(step, ramp) / ramp) ** 2))


def evaluate(model, loader):
    model.eval()
    correct = n = 0
    with torch.inference_mode():
        for x, y in loader:
            correct += (model(x).argmax(1) == y).sum().item()
            n += y.numel()
    model.train()
    return correct / n


def pseudo_label_stats(teacher, loader, threshold=0.9):
    teacher.eval()
    confident = total = 0
    with torch.inference_mode():
        for (xu,) in loader:
            p = F.softmax(teacher(xu), dim=1).max(1).values
            confident += (p > threshold).sum().item()
            total += p.numel()
            if total > 20000:
                break
    teacher.train()
    return confident / max(1, total)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--labeled", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--ema", type=float, default=0.99)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30000, 20)).astype(np.float32)
    y = (X[:, :3].sum(1) > 0).astype(np.int64) + (X[:, 3] > 1).astype(np.int64)
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    lab_dl = DataLoader(TensorDataset(X[:args.labeled], y[:args.labeled]), batch_size=64, shuffle=True, drop_last=True)
    unl_dl = DataLoader(TensorDataset(X[args.labeled:25000]), batch_size=256, shuffle=True, drop_last=True)
    test_dl = DataLoader(TensorDataset(X[25000:], y[25000:]), batch_size=1024)

    student = mlp(20, 3)
    teacher = copy.deepcopy(student)
    teacher.requires_grad_(False)
    opt = torch.optim.Adam(student.parameters(), lr=args.lr)
    step = 0
    for epoch in range(args.epochs):
        student.train()
        teacher.train()
        sup_tot = cons_tot = 0.0
        lab_iter = iter(lab_dl)
        for (xu,) in unl_dl:
            try:
                xl, yl = next(lab_iter)
            except StopIteration:
                lab_iter = iter(lab_dl)
                xl, yl = next(lab_iter)
            sup = F.cross_entropy(student(noisy(xl)), yl)
            with torch.no_grad():
                t_prob = F.softmax(teacher(noisy(xu)), dim=1)
            s_prob = F.softmax(student(noisy(xu)), dim=1)
            cons = F.mse_loss(s_prob, t_prob)
            loss = sup + consistency_weight(step) * cons
            opt.zero_grad()
            loss.backward()
            opt.step()
            ema_update(teacher, student, args.ema)
            sup_tot += sup.item()
            cons_tot += cons.item()
            step += 1
        acc_s, acc_t = evaluate(student, test_dl), evaluate(teacher, test_dl)
        log.info("epoch %d sup %.4f cons %.5f acc student %.4f teacher %.4f", epoch, sup_tot / len(unl_dl),
                 cons_tot / len(unl_dl), acc_s, acc_t)
        log.info("teacher confident fraction on unlabeled data: %.3f", pseudo_label_stats(teacher, unl_dl))
    torch.save({"student": student.state_dict(), "teacher": teacher.state_dict()}, "mean_teacher.pt")


if __name__ == "__main__":
    main()
