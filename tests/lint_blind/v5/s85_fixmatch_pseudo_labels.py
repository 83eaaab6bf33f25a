# expect: clean
# style: FixMatch-like semi-supervised training (weak/strong augmentation, confidence-thresholded pseudo-labels), research code with argparse
# note: pseudo-labels come from the weakly augmented view under no_grad and are hard targets; the supervised and strong-view logits carry the gradient; softmax is only used to build targets
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def wide_resnet_lite(n_classes=10):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.LeakyReLU(0.1),
                         nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.1),
                         nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, n_classes))


def weak_aug(x):
    return torch.where(torch.rand(x.size(0), 1, 1, 1) < 0.5, x.flip(-1), x)


def strong_aug(x):
    x = weak_aug(x) * (0.5 + torch.rand(x.size(0), 1, 1, 1))
    cut = torch.ones_like(x)
    cut[:, :, 8:20, 8:20] = 0
    return x * cut


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threshold", type=float, default=0.95)
    ap.add_argument("--lambda_u", type=float, default=1.0)
    ap.add_argument("--mu", type=int, default=7)
    ap.add_argument("--total_steps", type=int, default=20000)
    args = ap.parse_args()
    lab = TensorDataset(torch.randn(400, 3, 32, 32), torch.randint(0, 10, (400,)))
    unl = TensorDataset(torch.randn(20000, 3, 32, 32))
    lab_loader = DataLoader(lab, batch_size=64, shuffle=True, drop_last=True)
    unl_loader = DataLoader(unl, batch_size=64 * args.mu, shuffle=True, drop_last=True)
    model = wide_resnet_lite()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.03, momentum=0.9, nesterov=True, weight_decay=5e-4)
    lab_iter, unl_iter = iter(lab_loader), iter(unl_loader)
    model.train()
    for step in range(args.total_steps):
        try:
            x_l, y_l = next(lab_iter)
        except StopIteration:
            lab_iter = iter(lab_loader)
            x_l, y_l = next(lab_iter)
        try:
            (x_u,) = next(unl_iter)
        except StopIteration:
            unl_iter = iter(unl_loader)
            (x_u,) = next(unl_iter)
        with torch.no_grad():
            probs = torch.softmax(model(weak_aug(x_u)), dim=-1)
            max_probs, pseudo = probs.max(dim=-1)
            mask = (max_probs >= args.threshold).float()
        loss_x = F.cross_entropy(model(weak_aug(x_l)), y_l)
        loss_u = (F.cross_entropy(model(strong_aug(x_u)), pseudo, reduction="none") * mask).mean()
        loss = loss_x + args.lambda_u * loss_u
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if step % 500 == 0:
            print(f"step {step}: Lx {loss_x.item():.3f} Lu {loss_u.item():.3f} mask {mask.mean().item():.2f}")


if __name__ == "__main__":
    main()
