# expect: TVL012
# style: object-detection-like engine that returns a loss dict; a MetricLogger sums the dict values
# bug: `MetricLogger.update` adds the raw loss tensors from the loss dict into its running totals, keeping every iteration's graph alive
from collections import defaultdict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class MetricLogger:
    def __init__(self, delimiter="  "):
        self.totals = defaultdict(float)
        self.counts = defaultdict(int)
        self.delimiter = delimiter

    def update(self, **kwargs):
        for k, v in kwargs.items():
            self.totals[k] += v
            self.counts[k] += 1

    def summary(self):
        return self.delimiter.join(f"{k}: {float(self.totals[k]) / self.counts[k]:.4f}" for k in self.totals)


class TinyDetector(nn.Module):
    """Single-scale anchor-free head: objectness + class + box regression per cell."""

    def __init__(self, n_cls=4):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU())
        self.obj = nn.Conv2d(64, 1, 1)
        self.cls = nn.Conv2d(64, n_cls, 1)
        self.box = nn.Conv2d(64, 4, 1)

    def forward(self, imgs, targets):
        f = self.backbone(imgs)
        obj_t, cls_t, box_t = targets
        pos = obj_t > 0.5
        losses = {"loss_obj": F.binary_cross_entropy_with_logits(self.obj(f).squeeze(1), obj_t)}
        cls_logits = self.cls(f).permute(0, 2, 3, 1)[pos]
        losses["loss_cls"] = F.cross_entropy(cls_logits, cls_t[pos]) if pos.any() else f.sum() * 0
        box_p = self.box(f).permute(0, 2, 3, 1)[pos]
        losses["loss_box"] = F.smooth_l1_loss(box_p, box_t[pos]) if pos.any() else f.sum() * 0
        return losses


def train_one_epoch(model, optimizer, loader, epoch, print_freq=10):
    model.train()
    logger = MetricLogger()
    for it, (imgs, obj_t, cls_t, box_t) in enumerate(loader):
        loss_dict = model(imgs, (obj_t, cls_t, box_t))
        losses = sum(loss_dict.values())
        optimizer.zero_grad()
        losses.backward()
        optimizer.step()
        logger.update(loss=losses, **loss_dict)
        if it % print_freq == 0:
            print(f"Epoch: [{epoch}] [{it}/{len(loader)}]  {logger.summary()}")
    return logger


if __name__ == "__main__":
    n = 400
    imgs = torch.randn(n, 3, 64, 64)
    obj_t = (torch.rand(n, 16, 16) > 0.9).float()
    cls_t = torch.randint(0, 4, (n, 16, 16))
    box_t = torch.rand(n, 16, 16, 4)
    loader = DataLoader(TensorDataset(imgs, obj_t, cls_t, box_t), batch_size=8, shuffle=True)
    model = TinyDetector()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    for epoch in range(3):
        train_one_epoch(model, optimizer, loader, epoch)
