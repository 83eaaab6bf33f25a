# expect: clean
# style: detection-like engine with a SmoothedValue meter and loss dict reduction for logging
# note: loss tensors are accumulated across iterations for logging, but only after `.detach()`/`.item()` in `reduce_loss_dict`, so no graph is retained
from collections import defaultdict, deque

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SmoothedValue:
    def __init__(self, window=20):
        self.deque = deque(maxlen=window)
        self.total = 0.0
        self.count = 0

    def update(self, v):
        self.deque.append(v)
        self.total += v
        self.count += 1

    @property
    def median(self):
        return sorted(self.deque)[len(self.deque) // 2]

    @property
    def global_avg(self):
        return self.total / max(1, self.count)


def reduce_loss_dict(loss_dict):
    with torch.no_grad():
        return {k: v.detach().item() for k, v in loss_dict.items()}


class CenterNetLite(nn.Module):
    def __init__(self, n_cls=3):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.hm = nn.Conv2d(64, n_cls, 1)
        self.wh = nn.Conv2d(64, 2, 1)

    def forward(self, x, hm_t, wh_t):
        f = self.body(x)
        return {"loss_hm": F.binary_cross_entropy_with_logits(self.hm(f), hm_t),
                "loss_wh": F.l1_loss(self.wh(f), wh_t)}


def train_one_epoch(model, opt, loader, epoch, meters):
    model.train()
    for it, (x, hm_t, wh_t) in enumerate(loader):
        loss_dict = model(x, hm_t, wh_t)
        loss = sum(loss_dict.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        for k, v in reduce_loss_dict(loss_dict).items():
            meters[k].update(v)
        meters["loss"].update(loss.item())
        if it % 10 == 0:
            print(f"[{epoch}][{it}] " + " ".join(f"{k} {m.median:.4f} ({m.global_avg:.4f})" for k, m in meters.items()))


if __name__ == "__main__":
    n = 320
    loader = DataLoader(TensorDataset(torch.randn(n, 3, 64, 64), torch.rand(n, 3, 16, 16), torch.rand(n, 2, 16, 16)),
                        batch_size=16, shuffle=True)
    model = CenterNetLite()
    opt = torch.optim.Adam(model.parameters(), lr=1.25e-4)
    meters = defaultdict(SmoothedValue)
    for epoch in range(3):
        train_one_epoch(model, opt, loader, epoch, meters)
