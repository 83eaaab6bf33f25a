# expect: clean
# style: detection-style fine-tuning with frozen BatchNorm statistics (small batches), a set_train_mode() helper called each epoch
# note: BatchNorm layers are put in eval() inside the epoch loop, which looks like TVL004, but set_train_mode() first calls model.train() and only then switches the BN layers to eval() on purpose (frozen BN stats for batch size 2); validation is followed by set_train_mode() again.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("det")


class CenterNetLite(nn.Module):
    def __init__(self, n_classes=3):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.heatmap = nn.Conv2d(128, n_classes, 1)
        self.wh = nn.Conv2d(128, 2, 1)
        nn.init.constant_(self.heatmap.bias, -2.19)

    def forward(self, x):
        f = self.backbone(x)
        return self.heatmap(f), self.wh(f)


def set_train_mode(model):
    model.train()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()


def focal_loss(logits, target, alpha=2, beta=4):
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = target.eq(1).float()
    neg = 1 - pos
    pos_loss = -(torch.log(p) * (1 - p) ** alpha * pos).sum()
    neg_loss = -(torch.log(1 - p) * p ** alpha * (1 - target) ** beta * neg).sum()
    return (pos_loss + neg_loss) / pos.sum().clamp(min=1)


def validate(model, loader):
    model.eval()
    tot = 0.0
    with torch.no_grad():
        for img, hm, wh in loader:
            p_hm, p_wh = model(img)
            tot += focal_loss(p_hm, hm).item()
    return tot / len(loader)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    img = torch.rand(400, 3, 128, 128)
    hm = (torch.rand(400, 3, 16, 16) > 0.98).float()
    wh = torch.rand(400, 2, 16, 16) * 10
    train_dl = DataLoader(TensorDataset(img[:350], hm[:350], wh[:350]), batch_size=2, shuffle=True)
    val_dl = DataLoader(TensorDataset(img[350:], hm[350:], wh[350:]), batch_size=8)
    model = CenterNetLite()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    for epoch in range(12):
        set_train_mode(model)
        tot = 0.0
        for x, t_hm, t_wh in train_dl:
            p_hm, p_wh = model(x)
            mask = t_hm.amax(1, keepdim=True)
            loss = focal_loss(p_hm, t_hm) + 0.1 * (F.l1_loss(p_wh * mask, t_wh * mask, reduction="sum") / mask.sum().clamp(min=1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        val = validate(model, val_dl)
        log.info("epoch %d train %.4f val focal %.4f", epoch, tot / len(train_dl), val)
