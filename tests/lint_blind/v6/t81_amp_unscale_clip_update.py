# expect: clean
# style: plain AMP training script, object detection-style (CenterNet-like) heatmap + box regression
# note: gradient clipping and a GradScaler are both present, in the correct order: scale/backward, unscale_, clip, scaler.step, scaler.update; the scaler's own inf-check skip is the documented mechanism.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

device = "cuda" if torch.cuda.is_available() else "cpu"
amp = device == "cuda"
N_CLS = 4


class CenterHead(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
        )
        self.heatmap = nn.Conv2d(64, N_CLS, 1)
        self.wh = nn.Conv2d(64, 2, 1)

    def forward(self, x):
        f = self.backbone(x)
        return self.heatmap(f), self.wh(f)


def focal_heatmap_loss(logits, gt, alpha=2, beta=4):
    p = torch.sigmoid(logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    pos_loss = -((1 - p) ** alpha) * torch.log(p) * pos
    neg_loss = -((1 - gt) ** beta) * (p ** alpha) * torch.log(1 - p) * (1 - pos)
    return (pos_loss.sum() + neg_loss.sum()) / pos.sum().clamp(min=1)


imgs = torch.randn(600, 3, 128, 128)
heat = torch.rand(600, N_CLS, 32, 32) ** 8
heat[heat > 0.9] = 1.0
wh = torch.rand(600, 2, 32, 32) * 20
loader = DataLoader(TensorDataset(imgs, heat, wh), batch_size=16, shuffle=True)

model = CenterHead().to(device)
opt = torch.optim.AdamW(model.parameters(), lr=1.25e-4)
scaler = torch.cuda.amp.GradScaler(enabled=amp)

for epoch in range(15):
    model.train()
    tot = 0.0
    for x, hm, whm in loader:
        x, hm, whm = x.to(device), hm.to(device), whm.to(device)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=amp):
            hm_logits, wh_pred = model(x)
        hm_loss = focal_heatmap_loss(hm_logits.float(), hm)
        mask = hm.eq(1).any(1, keepdim=True).float()
        wh_loss = (F.l1_loss(wh_pred.float(), whm, reduction="none") * mask).sum() / mask.sum().clamp(min=1)
        loss = hm_loss + 0.1 * wh_loss
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 35.0)
        scaler.step(opt)
        scaler.update()
        tot += loss.item()
    print(f"epoch {epoch} loss {tot / len(loader):.4f} scale {scaler.get_scale() if amp else 1.0}")
