# expect: clean
# style: semi-supervised FixMatch-style training, Engine with helper functions, CIFAR-like images
# note: pseudo-labels are computed with .detach()/argmax under no_grad on the weak view and the logging path uses .item()/.cpu().numpy(), but both the supervised and the unsupervised losses come from forwards with gradients
import argparse
import itertools

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def weak_aug(x):
    flip = torch.rand(x.size(0), 1, 1, 1, device=x.device) < 0.5
    return torch.where(flip, x.flip(-1), x)


def strong_aug(x):
    x = weak_aug(x)
    x = x + 0.3 * torch.randn_like(x)
    mask = (torch.rand(x.size(0), 1, 32, 32, device=x.device) > 0.25).float()
    return x * mask


class WideNet(nn.Module):
    def __init__(self, n_classes=10, w=64):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.BatchNorm2d(w), nn.LeakyReLU(0.1),
            nn.Conv2d(w, 2 * w, 3, stride=2, padding=1), nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.1),
            nn.Conv2d(2 * w, 4 * w, 3, stride=2, padding=1), nn.BatchNorm2d(4 * w), nn.LeakyReLU(0.1),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.fc = nn.Linear(4 * w, n_classes)

    def forward(self, x):
        return self.fc(self.f(x))


def pseudo_label(model, x_weak, threshold):
    with torch.no_grad():
        probs = torch.softmax(model(x_weak).detach(), dim=-1)
        conf, targets = probs.max(dim=-1)
    return targets, (conf >= threshold).float()


def fixmatch_loss(model, xl, yl, xu, threshold, lambda_u):
    sup = F.cross_entropy(model(weak_aug(xl)), yl)
    targets, mask = pseudo_label(model, weak_aug(xu), threshold)
    unsup = (F.cross_entropy(model(strong_aug(xu)), targets, reduction="none") * mask).mean()
    return sup + lambda_u * unsup, sup, unsup, mask.mean()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--eval-every", type=int, default=1000)
    ap.add_argument("--mu", type=int, default=7)
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--lambda-u", type=float, default=1.0)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    xl, yl = torch.randn(4000, 3, 32, 32), torch.randint(0, 10, (4000,))
    xu = torch.randn(40000, 3, 32, 32)
    xt, yt = torch.randn(2000, 3, 32, 32), torch.randint(0, 10, (2000,))
    lab_loader = DataLoader(TensorDataset(xl, yl), batch_size=64, shuffle=True, drop_last=True)
    unl_loader = DataLoader(TensorDataset(xu), batch_size=64 * args.mu, shuffle=True, drop_last=True)
    test_loader = DataLoader(TensorDataset(xt, yt), batch_size=512)

    model = WideNet().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, nesterov=True, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: np.cos(7 * np.pi * s / (16 * args.iters)))

    lab_iter, unl_iter = itertools.cycle(lab_loader), itertools.cycle(unl_loader)
    stats = []
    model.train()
    for it in range(1, args.iters + 1):
        (xb, yb), (ub,) = next(lab_iter), next(unl_iter)
        loss, sup, unsup, mask_rate = fixmatch_loss(model, xb.to(device), yb.to(device), ub.to(device),
                                                    args.threshold, args.lambda_u)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        stats.append([sup.item(), unsup.item(), mask_rate.item()])
        if it % args.eval_every == 0:
            s = np.asarray(stats).mean(0)
            stats.clear()
            model.eval()
            preds = []
            with torch.no_grad():
                for x, _ in test_loader:
                    preds.append(model(x.to(device)).argmax(1).cpu().numpy())
            acc = float((np.concatenate(preds) == yt.numpy()).mean())
            model.train()
            print(f"it {it} sup {s[0]:.3f} unsup {s[1]:.3f} mask {s[2]:.2f} test_acc {acc:.4f}")
    torch.save(model.state_dict(), "fixmatch.pt")


if __name__ == "__main__":
    main()
