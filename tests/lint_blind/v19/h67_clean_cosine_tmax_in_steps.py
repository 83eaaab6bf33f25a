# expect: clean
# style: self-supervised SimCLR-style pretraining script; scheduler built by a factory with T_max in iterations
# note: CosineAnnealingLR is stepped every iteration (TVL007 look-alike), but `build_scheduler` sets T_max = epochs * iters_per_epoch, and warmup is a LinearLR chained via SequentialLR, also in iterations
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("simclr")


class TwoViews(Dataset):
    def __init__(self, n, size=32, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.base = torch.rand(n, 3, size, size, generator=g)

    def __len__(self):
        return self.base.size(0)

    @staticmethod
    def augment(x):
        if torch.rand(1) < 0.5:
            x = x.flip(-1)
        x = x * (0.6 + 0.8 * torch.rand(3, 1, 1))
        i, j = torch.randint(0, 8, (2,))
        x = F.pad(x, (4, 4, 4, 4), mode="reflect")[:, i:i + 32, j:j + 32]
        return x.clamp(0, 1)

    def __getitem__(self, idx):
        x = self.base[idx]
        return self.augment(x), self.augment(x)


class Encoder(nn.Module):
    def __init__(self, d=512):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.Conv2d(256, d, 3, 2, 1), nn.BatchNorm2d(d), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.proj = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 128))

    def forward(self, x):
        return self.proj(self.net(x))


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    n = z1.size(0)
    sim.fill_diagonal_(float("-inf"))
    targets = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)]).to(z.device)
    return F.cross_entropy(sim, targets)


def build_scheduler(optimizer, epochs, iters_per_epoch, warmup_epochs, min_lr):
    warm = warmup_epochs * iters_per_epoch
    total = epochs * iters_per_epoch
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=0.01, total_iters=warm)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warm, eta_min=min_lr)
    return torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[warm])


@torch.no_grad()
def knn_monitor(model, bank_x, bank_y, query_x, query_y, device, k=20):
    model.eval()
    fb = F.normalize(model.net(bank_x.to(device)), dim=1)
    fq = F.normalize(model.net(query_x.to(device)), dim=1)
    idx = (fq @ fb.t()).topk(k, dim=1).indices
    votes = bank_y.to(device)[idx]
    pred = torch.mode(votes, dim=1).values
    model.train()
    return (pred == query_y.to(device)).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--lr", type=float, default=0.3)
    ap.add_argument("--tau", type=float, default=0.5)
    ap.add_argument("--warmup-epochs", type=int, default=10)
    ap.add_argument("--out", default="simclr_ckpt")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loader = DataLoader(TwoViews(20000), batch_size=args.bs, shuffle=True, drop_last=True, num_workers=8)
    model = Encoder().to(device)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr * args.bs / 256, momentum=0.9, weight_decay=1e-6)
    sched = build_scheduler(opt, args.epochs, len(loader), args.warmup_epochs, 1e-5)
    os.makedirs(args.out, exist_ok=True)
    step = 0
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for v1, v2 in loader:
            v1, v2 = v1.to(device, non_blocking=True), v2.to(device, non_blocking=True)
            loss = nt_xent(model(v1), model(v2), args.tau)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            tot += loss.item()
            step += 1
        log.info("epoch %d step %d loss %.4f lr %.4f", epoch, step, tot / len(loader), sched.get_last_lr()[0])
        if (epoch + 1) % 10 == 0:
            ds = loader.dataset
            labels = (ds.base.mean(dim=(1, 2, 3)) * 10).long().clamp(0, 9)
            acc = knn_monitor(model, ds.base[:5000], labels[:5000], ds.base[5000:6000], labels[5000:6000], device)
            log.info("epoch %d kNN monitor acc %.4f", epoch, acc)
        if (epoch + 1) % 20 == 0:
            torch.save({"model": model.state_dict(), "epoch": epoch}, os.path.join(args.out, f"ep{epoch + 1}.pt"))


if __name__ == "__main__":
    main()
