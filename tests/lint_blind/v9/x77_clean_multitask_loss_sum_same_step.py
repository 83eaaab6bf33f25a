# expect: clean
# style: multi-task dense prediction (depth + normals + segmentation) with a loss-summing loop inside one step
# note: total = total + loss accumulates tensors, but only across the task heads of a single iteration before one backward(); the epoch statistics use .item().
import os
import random
import logging
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("mtl")


class MultiTaskNet(nn.Module):
    def __init__(self, n_seg=13):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(), nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.heads = nn.ModuleDict({
            "seg": nn.Conv2d(128, n_seg, 1),
            "depth": nn.Conv2d(128, 1, 1),
            "normal": nn.Conv2d(128, 3, 1),
        })

    def forward(self, x):
        f = self.enc(x)
        return {k: F.interpolate(h(f), size=x.shape[-2:], mode="bilinear", align_corners=False) for k, h in self.heads.items()}


def task_loss(name, pred, target):
    if name == "seg":
        return F.cross_entropy(pred, target, ignore_index=255)
    if name == "depth":
        valid = target > 0
        return F.l1_loss(pred[valid], target[valid])
    return 1 - F.cosine_similarity(F.normalize(pred, dim=1), target, dim=1).mean()


WEIGHTS = {"seg": 1.0, "depth": 1.0, "normal": 0.5}


def main(epochs=10):
    logging.basicConfig(level=logging.INFO)
    n = 300
    imgs = torch.randn(n, 3, 96, 128)
    seg = torch.randint(0, 13, (n, 96, 128))
    depth = torch.rand(n, 1, 96, 128) * 10
    normal = F.normalize(torch.randn(n, 3, 96, 128), dim=1)
    dl = DataLoader(TensorDataset(imgs, seg, depth, normal), batch_size=8, shuffle=True)
    model = MultiTaskNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    for epoch in range(epochs):
        model.train()
        stats = defaultdict(float)
        for x, s, d, nrm in dl:
            out = model(x)
            targets = {"seg": s, "depth": d, "normal": nrm}
            total = 0.0
            for name, w in WEIGHTS.items():
                l = task_loss(name, out[name], targets[name])
                total = total + w * l
                stats[name] += l.item()
            opt.zero_grad()
            total.backward()
            opt.step()
            stats["total"] += total.item()
        log.info("epoch %d " + " ".join(f"{k}={v / len(dl):.4f}" for k, v in stats.items()), epoch)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
