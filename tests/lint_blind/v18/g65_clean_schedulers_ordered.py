# expect: clean
# style: research script with two schedulers (per-step linear warmup + per-epoch MultiStepLR), pointcloud classifier
# note: a scheduler is stepped inside the batch loop, which looks like TVL007, but it is a LambdaLR warmup defined in iterations, stepped after optimizer.step(); the epoch-based MultiStepLR is stepped once per epoch.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("pointnet")


class Shapes(Dataset):
    def __init__(self, n, points=256, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 4, (n,), generator=g)
        clouds = []
        for y in self.labels.tolist():
            p = torch.randn(points, 3, generator=g)
            if y == 0:
                p = F.normalize(p, dim=1)                       # sphere
            elif y == 1:
                p = p.clamp(-1, 1)                              # cube-ish
            elif y == 2:
                p[:, 2] = p[:, 2] * 0.05                        # plane
            else:
                p[:, :2] = F.normalize(p[:, :2], dim=1)         # cylinder
            clouds.append(p)
        self.clouds = torch.stack(clouds)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.clouds[i], self.labels[i]


class PointNet(nn.Module):
    def __init__(self, k=4):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, 64, 1), nn.BatchNorm1d(64), nn.ReLU(),
                                  nn.Conv1d(64, 128, 1), nn.BatchNorm1d(128), nn.ReLU(),
                                  nn.Conv1d(128, 512, 1), nn.BatchNorm1d(512), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(512, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.3), nn.Linear(256, k))

    def forward(self, pts):
        return self.head(self.mlp1(pts.transpose(1, 2)).max(-1).values)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup-iters", type=int, default=300)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    train_dl = DataLoader(Shapes(3000), batch_size=32, shuffle=True, drop_last=True)
    test_dl = DataLoader(Shapes(600, seed=1), batch_size=64)
    model = PointNet()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=1e-4)
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: min(1.0, (it + 1) / args.warmup_iters))
    decay = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(args.epochs * 0.6), int(args.epochs * 0.85)], gamma=0.1)

    it = 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for pts, y in train_dl:
            loss = F.cross_entropy(model(pts), y, label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if it < args.warmup_iters:
                warmup.step()
            it += 1
            tot += loss.item()
        decay.step()
        model.eval()
        correct = 0
        with torch.no_grad():
            for pts, y in test_dl:
                correct += (model(pts).argmax(-1) == y).sum().item()
        log.info("epoch %d loss %.4f test_acc %.4f lr %.2e", epoch, tot / len(train_dl),
                 correct / len(test_dl.dataset), opt.param_groups[0]["lr"])
    torch.save(model.state_dict(), "pointnet.pt")


if __name__ == "__main__":
    main()
