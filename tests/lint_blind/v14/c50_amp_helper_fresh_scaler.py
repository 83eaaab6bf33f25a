# expect: TVL016
# style: small utils module with an amp_backward_step() helper used by a detection-style training loop
# bug: amp_backward_step() creates a fresh GradScaler on every call and never calls scaler.update(), so the loss scale never adapts (overflowing steps are skipped forever at the initial scale)
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("det")
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


# ---------------------------------------------------------------- utils/amp.py
def amp_backward_step(loss, optimizer, params, max_norm=10.0):
    scaler = torch.cuda.amp.GradScaler(enabled=DEVICE.type == "cuda")
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    scaler.step(optimizer)
    return norm


# ---------------------------------------------------------------- models/centernet_lite.py
class CenterNetLite(nn.Module):
    def __init__(self, n_classes=3, width=64):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, width, 3, 2, 1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width * 2, 3, 2, 1), nn.BatchNorm2d(width * 2), nn.ReLU(),
            nn.Conv2d(width * 2, width * 2, 3, 1, 1), nn.BatchNorm2d(width * 2), nn.ReLU())
        self.heatmap = nn.Conv2d(width * 2, n_classes, 1)
        self.size = nn.Conv2d(width * 2, 2, 1)
        nn.init.constant_(self.heatmap.bias, -2.19)

    def forward(self, x):
        f = self.backbone(x)
        return self.heatmap(f), self.size(f)


def focal_loss(pred_logits, gt, alpha=2, beta=4):
    pred = pred_logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(pred) * (1 - pred) ** alpha * pos
    neg_loss = torch.log(1 - pred) * pred ** alpha * (1 - gt) ** beta * neg
    n_pos = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n_pos


def synthetic_detection(n, n_classes=3, size=128):
    imgs = torch.rand(n, 3, size, size)
    heat = torch.zeros(n, n_classes, size // 4, size // 4)
    wh = torch.zeros(n, 2, size // 4, size // 4)
    cls = torch.randint(0, n_classes, (n,))
    cx, cy = torch.randint(2, size // 4 - 2, (n,)), torch.randint(2, size // 4 - 2, (n,))
    heat[torch.arange(n), cls, cy, cx] = 1.0
    wh[torch.arange(n), :, cy, cx] = torch.rand(n, 2) * 32
    return TensorDataset(imgs, heat, wh)


# ---------------------------------------------------------------- tools/train.py
def train(epochs=30, out="work_dirs/centernet_lite"):
    os.makedirs(out, exist_ok=True)
    model = CenterNetLite().to(DEVICE)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1.25e-4)
    loader = DataLoader(synthetic_detection(1600), batch_size=16, shuffle=True, num_workers=2)
    for epoch in range(epochs):
        model.train()
        for it, (img, heat, wh) in enumerate(loader):
            img, heat, wh = img.to(DEVICE), heat.to(DEVICE), wh.to(DEVICE)
            with torch.autocast(device_type=DEVICE.type, enabled=DEVICE.type == "cuda"):
                hm_logits, wh_pred = model(img)
            hm_loss = focal_loss(hm_logits.float(), heat)
            mask = heat.amax(1, keepdim=True)
            wh_loss = F.l1_loss(wh_pred.float() * mask, wh * mask, reduction="sum") / mask.sum().clamp(min=1)
            loss = hm_loss + 0.1 * wh_loss
            optimizer.zero_grad()
            norm = amp_backward_step(loss, optimizer, model.parameters())
            if it % 20 == 0:
                logger.info("epoch %d iter %d hm %.4f wh %.4f |g| %.2f", epoch, it, hm_loss.item(),
                            wh_loss.item(), float(norm))
        torch.save(model.state_dict(), os.path.join(out, f"epoch_{epoch}.pth"))


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train()
