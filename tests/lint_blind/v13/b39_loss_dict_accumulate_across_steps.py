# expect: TVL012
# style: detection-style loss dict with a reduce/accumulate helper, anchor-free box regression on synthetic images
# bug: accumulate_losses() adds each step's loss tensors (total[k] = total.get(k, 0) + v) into an epoch-level dict, so every iteration's graph is kept alive until the epoch ends
import logging
from collections import OrderedDict

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("det")


class OneBoxDataset(Dataset):
    def __init__(self, n, size=64, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.imgs = torch.rand(n, 3, size, size, generator=g) * 0.2
        self.boxes = torch.zeros(n, 4)
        self.labels = torch.randint(0, 5, (n,), generator=g)
        for i in range(n):
            x0, y0 = torch.randint(0, size // 2, (2,), generator=g).tolist()
            w, h = torch.randint(8, size // 2, (2,), generator=g).tolist()
            self.imgs[i, :, y0:y0 + h, x0:x0 + w] += 0.8
            self.boxes[i] = torch.tensor([x0, y0, x0 + w, y0 + h]) / size

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.boxes[i], self.labels[i]


class SingleBoxDetector(nn.Module):
    def __init__(self, n_cls=5):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(),
                                  nn.Conv2d(64, 128, 3, 2, 1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.cls_head = nn.Linear(128, n_cls)
        self.box_head = nn.Linear(128, 4)

    def forward(self, x):
        f = self.body(x)
        return self.cls_head(f), self.box_head(f).sigmoid()


def giou_loss(pred, gt):
    x0 = torch.max(pred[:, 0], gt[:, 0]); y0 = torch.max(pred[:, 1], gt[:, 1])
    x1 = torch.min(pred[:, 2], gt[:, 2]); y1 = torch.min(pred[:, 3], gt[:, 3])
    inter = (x1 - x0).clamp(min=0) * (y1 - y0).clamp(min=0)
    area = lambda b: (b[:, 2] - b[:, 0]).clamp(min=0) * (b[:, 3] - b[:, 1]).clamp(min=0)
    union = area(pred) + area(gt) - inter + 1e-7
    cx0 = torch.min(pred[:, 0], gt[:, 0]); cy0 = torch.min(pred[:, 1], gt[:, 1])
    cx1 = torch.max(pred[:, 2], gt[:, 2]); cy1 = torch.max(pred[:, 3], gt[:, 3])
    hull = (cx1 - cx0) * (cy1 - cy0) + 1e-7
    return (1 - inter / union + (hull - union) / hull).mean()


def compute_losses(model, imgs, boxes, labels):
    cls_logits, box_pred = model(imgs)
    return OrderedDict(loss_cls=F.cross_entropy(cls_logits, labels),
                       loss_l1=F.l1_loss(box_pred, boxes),
                       loss_giou=giou_loss(box_pred, boxes))


def accumulate_losses(total, loss_dict):
    for k, v in loss_dict.items():
        total[k] = total.get(k, 0) + v
    return total


def train_one_epoch(model, loader, optimizer, epoch):
    model.train()
    totals = {}
    for it, (imgs, boxes, labels) in enumerate(loader):
        loss_dict = compute_losses(model, imgs, boxes, labels)
        loss = sum(loss_dict.values())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        totals = accumulate_losses(totals, loss_dict)
        if it % 20 == 0:
            logger.info("ep %d it %d loss %.4f", epoch, it, loss.item())
    n = len(loader)
    return {k: float(v) / n for k, v in totals.items()}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    model = SingleBoxDetector()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loader = DataLoader(OneBoxDataset(3000), batch_size=32, shuffle=True)
    for epoch in range(12):
        stats = train_one_epoch(model, loader, opt, epoch)
        logger.info("epoch %d summary %s", epoch, {k: round(v, 4) for k, v in stats.items()})
        torch.save(model.state_dict(), "single_box_det.pt")
