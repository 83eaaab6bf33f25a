# expect: TVL012
# style: object-detection-style multi-loss dict (anchor-free keypoint/heatmap model), compute_losses() returns tensors, epoch summary in run_epoch
# bug: run_epoch() accumulates epoch_total = epoch_total + loss_dict["total"] (a graph-carrying tensor) across every iteration to report the epoch mean
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("centernet")


class CenterHead(nn.Module):
    def __init__(self, cin, n_classes):
        super().__init__()
        def branch(cout):
            return nn.Sequential(nn.Conv2d(cin, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, cout, 1))
        self.hm = branch(n_classes)
        self.wh = branch(2)
        self.off = branch(2)
        self.hm[-1].bias.data.fill_(-2.19)

    def forward(self, x):
        return {"hm": self.hm(x), "wh": self.wh(x), "off": self.off(x)}


class CenterNetLite(nn.Module):
    def __init__(self, n_classes=20):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.head = CenterHead(128, n_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def focal_loss(pred_logits, gt, alpha=2, beta=4):
    pred = torch.sigmoid(pred_logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(pred) * (1 - pred) ** alpha * pos
    neg_loss = torch.log(1 - pred) * pred ** alpha * (1 - gt) ** beta * neg
    num_pos = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / num_pos


def compute_losses(out, targets, weights):
    hm, wh, off, ind_mask = targets
    l_hm = focal_loss(out["hm"], hm)
    m = ind_mask.unsqueeze(1)
    l_wh = F.l1_loss(out["wh"] * m, wh * m, reduction="sum") / m.sum().clamp(min=1)
    l_off = F.l1_loss(out["off"] * m, off * m, reduction="sum") / m.sum().clamp(min=1)
    total = weights["hm"] * l_hm + weights["wh"] * l_wh + weights["off"] * l_off
    return {"total": total, "hm": l_hm.detach(), "wh": l_wh.detach(), "off": l_off.detach()}


def run_epoch(model, loader, optimizer, weights, epoch):
    model.train()
    epoch_total = 0.0
    for it, (img, hm, wh, off, mask) in enumerate(loader):
        out = model(img)
        loss_dict = compute_losses(out, (hm, wh, off, mask), weights)
        optimizer.zero_grad()
        loss_dict["total"].backward()
        optimizer.step()
        epoch_total = epoch_total + loss_dict["total"]
        if it % 20 == 0:
            logger.info("ep %d it %d " + " ".join(f"{k}=%.4f" for k in loss_dict), epoch, it,
                        *[v.item() for v in loss_dict.values()])
    return epoch_total / len(loader)


def fake_det(n, n_classes=20, s=64):
    img = torch.randn(n, 3, 4 * s, 4 * s)
    hm = (torch.rand(n, n_classes, s, s) > 0.999).float()
    wh = torch.rand(n, 2, s, s) * 20
    off = torch.rand(n, 2, s, s)
    mask = hm.amax(1)
    return TensorDataset(img, hm, wh, off, mask)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=70)
    ap.add_argument("--lr", type=float, default=1.25e-4)
    ap.add_argument("--wh-weight", type=float, default=0.1)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    weights = {"hm": 1.0, "wh": args.wh_weight, "off": 1.0}

    model = CenterNetLite()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[45, 60], gamma=0.1)
    loader = DataLoader(fake_det(512), batch_size=16, shuffle=True, num_workers=2)
    for epoch in range(args.epochs):
        mean_loss = run_epoch(model, loader, optimizer, weights, epoch)
        scheduler.step()
        logger.info("epoch %d mean loss %.4f", epoch, mean_loss.item())
        torch.save(model.state_dict(), "centernet_last.pth")


if __name__ == "__main__":
    main()
