# expect: clean
# style: mmcv-like config + factory with a per-iteration cosine schedule, point cloud classification
# note: a CosineAnnealingLR is stepped after every batch, but build_scheduler() sets T_max = epochs * iters_per_epoch (a per-iteration horizon), so the per-batch stepping is correct.
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("pointnet")

cfg = dict(
    model=dict(n_cls=10, width=64),
    data=dict(n_train=3000, n_val=500, n_points=512, batch_size=32),
    optimizer=dict(type="AdamW", lr=1e-3, weight_decay=1e-4),
    lr_config=dict(policy="cosine_iter", min_lr=1e-5),
    total_epochs=40,
)


class PointClouds(Dataset):
    def __init__(self, n, n_points, seed):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, 10, (n,), generator=g)
        self.n_points, self.seed = n_points, seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.seed * 12345 + i)
        y = int(self.labels[i])
        pts = torch.randn(self.n_points, 3, generator=g)
        pts = pts / pts.norm(dim=1, keepdim=True) * (1 + 0.1 * y)
        pts[:, 2] *= 0.5 + 0.1 * y
        return pts.t(), y


class PointNet(nn.Module):
    def __init__(self, n_cls, width):
        super().__init__()
        self.mlp1 = nn.Sequential(nn.Conv1d(3, width, 1), nn.BatchNorm1d(width), nn.ReLU(),
                                  nn.Conv1d(width, width * 2, 1), nn.BatchNorm1d(width * 2), nn.ReLU(),
                                  nn.Conv1d(width * 2, width * 16, 1), nn.BatchNorm1d(width * 16), nn.ReLU())
        self.head = nn.Sequential(nn.Linear(width * 16, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Dropout(0.4),
                                  nn.Linear(256, n_cls))

    def forward(self, x):
        return self.head(self.mlp1(x).max(-1).values)


def build_optimizer(model, opt_cfg):
    c = copy.deepcopy(opt_cfg)
    return getattr(torch.optim, c.pop("type"))(model.parameters(), **c)


def build_scheduler(optimizer, lr_cfg, epochs, iters_per_epoch):
    assert lr_cfg["policy"] == "cosine_iter"
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs * iters_per_epoch, eta_min=lr_cfg["min_lr"])


def train_epoch(model, loader, opt, sched):
    model.train()
    tot = 0.0
    for pts, y in loader:
        opt.zero_grad()
        loss = F.cross_entropy(model(pts), y, label_smoothing=0.2)
        loss.backward()
        opt.step()
        sched.step()
        tot += loss.item()
    return tot / len(loader)


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    hit = sum((model(p).argmax(1) == y).sum().item() for p, y in loader)
    return hit / len(loader.dataset)


def main():
    logging.basicConfig(level=logging.INFO)
    d = cfg["data"]
    train_dl = DataLoader(PointClouds(d["n_train"], d["n_points"], 0), batch_size=d["batch_size"], shuffle=True, drop_last=True)
    val_dl = DataLoader(PointClouds(d["n_val"], d["n_points"], 1), batch_size=64)
    model = PointNet(**cfg["model"])
    opt = build_optimizer(model, cfg["optimizer"])
    sched = build_scheduler(opt, cfg["lr_config"], cfg["total_epochs"], len(train_dl))
    for epoch in range(cfg["total_epochs"]):
        loss = train_epoch(model, train_dl, opt, sched)
        acc = evaluate(model, val_dl)
        log.info("epoch %d loss %.4f acc %.4f lr %.2e", epoch, loss, acc, opt.param_groups[0]["lr"])
    torch.save(model.state_dict(), "pointnet.pth")


if __name__ == "__main__":
    main()
