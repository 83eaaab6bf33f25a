# expect: clean
# style: hook runner with two schedulers (per-iteration linear warmup, per-epoch StepLR), vehicle re-identification with triplet + CE loss
# note: one scheduler is stepped in an after_iter hook and another (StepLR, epoch-based) in after_epoch; only the warmup LambdaLR, whose horizon is in iterations, is stepped per batch, and both step after optimizer.step()
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset, Sampler


class ReIDData(Dataset):
    def __init__(self, n_ids=750, per_id=8, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.pids = torch.arange(n_ids).repeat_interleave(per_id)
        self.centers = torch.randn(n_ids, 3, 1, 1, generator=g)

    def __len__(self):
        return len(self.pids)

    def __getitem__(self, i):
        pid = self.pids[i]
        return torch.randn(3, 64, 128) * 0.5 + self.centers[pid], pid


class RandomIdentitySampler(Sampler):
    """P identities x K instances per batch, reshuffled every epoch."""

    def __init__(self, pids, k=4):
        self.pids, self.k = pids, k
        self.index = {}
        for i, p in enumerate(pids.tolist()):
            self.index.setdefault(p, []).append(i)

    def __iter__(self):
        order = torch.randperm(len(self.index)).tolist()
        keys = list(self.index)
        out = []
        for j in order:
            idxs = self.index[keys[j]]
            pick = torch.randperm(len(idxs))[: self.k].tolist()
            out.extend(idxs[t] for t in pick)
        return iter(out)

    def __len__(self):
        return len(self.index) * self.k


class ReIDNet(nn.Module):
    def __init__(self, n_ids, d=256):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, d, 3, 2, 1), nn.BatchNorm2d(d), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.bnneck = nn.BatchNorm1d(d)
        self.classifier = nn.Linear(d, n_ids, bias=False)

    def forward(self, x):
        f = self.backbone(x)
        return f, self.classifier(self.bnneck(f))


def batch_hard_triplet(feat, pids, margin=0.3):
    d = torch.cdist(feat, feat)
    same = pids[:, None] == pids[None, :]
    hardest_pos = (d * same.float()).max(1).values
    hardest_neg = d.masked_fill(same, float("inf")).min(1).values
    return F.relu(hardest_pos - hardest_neg + margin).mean()


class Hook:
    def after_iter(self, r): pass
    def after_epoch(self, r): pass


class WarmupHook(Hook):
    def __init__(self, sched, warmup_iters):
        self.sched, self.warmup_iters = sched, warmup_iters

    def after_iter(self, r):
        if r.iter < self.warmup_iters:
            self.sched.step()


class EpochLrHook(Hook):
    def __init__(self, sched):
        self.sched = sched

    def after_epoch(self, r):
        self.sched.step()


class Runner:
    def __init__(self, model, opt, loader, hooks):
        self.model, self.opt, self.loader, self.hooks = model, opt, loader, hooks
        self.iter = 0

    def run(self, epochs):
        for epoch in range(epochs):
            self.model.train()
            tot = 0.0
            for x, pid in self.loader:
                feat, logits = self.model(x)
                loss = F.cross_entropy(logits, pid, label_smoothing=0.1) + batch_hard_triplet(feat, pid)
                self.opt.zero_grad()
                loss.backward()
                self.opt.step()
                self.iter += 1
                tot += loss.item()
                for h in self.hooks:
                    h.after_iter(self)
            for h in self.hooks:
                h.after_epoch(self)
            print(f"epoch {epoch} loss {tot / len(self.loader):.4f} lr {self.opt.param_groups[0]['lr']:.2e}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--warmup-iters", type=int, default=200)
    args = ap.parse_args()
    ds = ReIDData()
    loader = DataLoader(ds, batch_size=64, sampler=RandomIdentitySampler(ds.pids, k=4), drop_last=True)
    model = ReIDNet(750)
    opt = torch.optim.Adam(model.parameters(), lr=3.5e-4, weight_decay=5e-4)
    warm = torch.optim.lr_scheduler.LambdaLR(opt, lambda it: min(1.0, (it + 1) / args.warmup_iters))
    step = torch.optim.lr_scheduler.StepLR(opt, step_size=20, gamma=0.1)
    Runner(model, opt, loader, [WarmupHook(warm, args.warmup_iters), EpochLrHook(step)]).run(args.epochs)
    torch.save(model.state_dict(), "reid.pth")


if __name__ == "__main__":
    main()
