# expect: TVL012
# style: research repo with AverageMeter utility and train()/validate() functions, point-cloud classification (PointNet-lite)
# bug: the training loop passes the loss tensor itself to AverageMeter.update, whose `self.sum += val * n` then chains every iteration's graph into one ever-growing tensor
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class AverageMeter:
    """Computes and stores the average and current value."""

    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(name=self.name, val=float(self.val), avg=float(self.avg))


class PointClouds(Dataset):
    def __init__(self, n, n_points=1024, n_classes=40, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, n_classes, (n,), generator=g)
        self.n_points = n_points

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        pts = torch.randn(self.n_points, 3) * (1 + self.labels[i].float() / 40)
        return pts, self.labels[i]


class PointNetLite(nn.Module):
    def __init__(self, n_classes=40):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 1024, 1), nn.BatchNorm1d(1024), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(1024, 512), nn.BatchNorm1d(512), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(256, n_classes))

    def forward(self, pts):
        x = self.mlp1(pts.transpose(1, 2))
        return self.head(x.max(dim=2).values)


def train(loader, model, optimizer, epoch, device, print_freq=20):
    batch_time = AverageMeter("Time", ":6.3f")
    losses = AverageMeter("Loss", ":.4e")
    top1 = AverageMeter("Acc@1", ":6.2f")
    model.train()
    end = time.time()
    for i, (pts, target) in enumerate(loader):
        pts, target = pts.to(device), target.to(device)
        output = model(pts)
        loss = F.cross_entropy(output, target, label_smoothing=0.2)
        acc = (output.argmax(1) == target).float().mean().item() * 100
        losses.update(loss, pts.size(0))
        top1.update(acc, pts.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch [{epoch}][{i}/{len(loader)}]  {batch_time}  {losses}  {top1}")
    return float(losses.avg)


@torch.no_grad()
def validate(loader, model, device):
    top1 = AverageMeter("Acc@1", ":6.2f")
    model.eval()
    for pts, target in loader:
        output = model(pts.to(device))
        top1.update((output.argmax(1).cpu() == target).float().mean().item() * 100, pts.size(0))
    print(f" * {top1}")
    return top1.avg


def main():
    p = argparse.ArgumentParser(description="PointNet-lite ModelNet40")
    p.add_argument("--epochs", default=60, type=int)
    p.add_argument("-b", "--batch-size", default=32, type=int)
    p.add_argument("--lr", default=1e-3, type=float)
    args = p.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(PointClouds(4000), batch_size=args.batch_size, shuffle=True, drop_last=True)
    val_loader = DataLoader(PointClouds(800, seed=1), batch_size=64)
    model = PointNetLite().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=20, gamma=0.5)
    best = 0.0
    for epoch in range(args.epochs):
        train(train_loader, model, optimizer, epoch, device)
        scheduler.step()
        acc = validate(val_loader, model, device)
        if acc > best:
            best = acc
            torch.save({"epoch": epoch, "state_dict": model.state_dict(), "best_acc1": best}, "pointnet_best.pth.tar")


if __name__ == "__main__":
    main()
