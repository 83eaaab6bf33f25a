# expect: TVL001
# style: knowledge-distillation research script (argparse + tqdm), CIFAR-like image classification
# bug: the student forward was put inside the teacher's torch.no_grad() block, so the distillation loss has no path to the student
import argparse
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


def conv_net(width, n_cls=10):
    return nn.Sequential(
        nn.Conv2d(3, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(width, width * 2, 3, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        nn.Linear(width * 2, n_cls),
    )


def kd_loss(s_logits, t_logits, labels, T, alpha):
    soft = F.kl_div(F.log_softmax(s_logits / T, dim=1), F.softmax(t_logits / T, dim=1),
                    reduction="batchmean") * T * T
    hard = F.cross_entropy(s_logits, labels)
    return alpha * soft + (1 - alpha) * hard


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--T", type=float, default=4.0)
    ap.add_argument("--alpha", type=float, default=0.9)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    ds = TensorDataset(torch.randn(4096, 3, 32, 32), torch.randint(0, 10, (4096,)))
    loader = DataLoader(ds, batch_size=128, shuffle=True, num_workers=2, drop_last=True)

    teacher = conv_net(128).to(device).eval()
    for p in teacher.parameters():
        p.requires_grad_(False)
    student = conv_net(32).to(device)
    opt = torch.optim.SGD(student.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)

    for epoch in range(args.epochs):
        student.train()
        pbar = tqdm(loader, desc=f"ep{epoch}")
        for images, labels in pbar:
            images, labels = images.to(device), labels.to(device)
            with torch.no_grad():
                t_logits = teacher(images)
                s_logits = student(images)
            loss = kd_loss(s_logits, t_logits, labels, args.T, args.alpha)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            pbar.set_postfix(loss=f"{loss.item():.3f}")
        sched.step()


if __name__ == "__main__":
    main()
