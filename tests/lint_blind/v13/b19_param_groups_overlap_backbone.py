# expect: TVL006
# style: detection-style param groups with a lower backbone LR, keypoint regression
# bug: the second param group uses model.parameters(), which includes the backbone parameters already placed in the first group, so the backbone appears in two groups
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("kpt")

BASE_LR = 1e-3
BACKBONE_LR_MULT = 0.1
EPOCHS = 12
N_KPT = 17


class FaceKeypoints(Dataset):
    def __init__(self, n, size=96):
        self.imgs = torch.rand(n, 1, size, size)
        self.kpts = torch.rand(n, N_KPT, 2)  # normalised (x, y)

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.kpts[i]


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )

    def forward(self, x):
        return self.body(x)


class HeatmapFreeRegressor(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = Backbone()
        self.neck = nn.Sequential(nn.Conv2d(128, 128, 3, padding=1), nn.ReLU())
        self.fc = nn.Linear(128, N_KPT * 2)

    def forward(self, x):
        f = self.neck(self.backbone(x))
        return self.fc(f.mean((2, 3))).view(-1, N_KPT, 2).sigmoid()


model = HeatmapFreeRegressor()
device = "cuda" if torch.cuda.is_available() else "cpu"
model.to(device)

param_groups = [
    {"params": model.backbone.parameters(), "lr": BASE_LR * BACKBONE_LR_MULT, "name": "backbone"},
    {"params": model.parameters(), "lr": BASE_LR, "name": "rest"},
]
optimizer = torch.optim.AdamW(param_groups, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 11], gamma=0.1)

train_dl = DataLoader(FaceKeypoints(4000), batch_size=64, shuffle=True, num_workers=2)
val_dl = DataLoader(FaceKeypoints(500), batch_size=128)


def nme(pred, gt):
    # normalised mean error, interocular distance approximated by kpts 0 and 1
    d = (gt[:, 0] - gt[:, 1]).norm(dim=-1).clamp(min=1e-3)
    return ((pred - gt).norm(dim=-1).mean(-1) / d).mean()


for epoch in range(EPOCHS):
    model.train()
    losses = []
    for img, kpt in train_dl:
        img, kpt = img.to(device), kpt.to(device)
        pred = model(img)
        loss = F.smooth_l1_loss(pred, kpt, beta=0.02)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()

    model.eval()
    errs = []
    with torch.no_grad():
        for img, kpt in val_dl:
            errs.append(nme(model(img.to(device)), kpt.to(device)).item())
    log.info("epoch %d loss %.5f val NME %.4f lrs %s", epoch, sum(losses) / len(losses),
             sum(errs) / len(errs), [g["lr"] for g in optimizer.param_groups])

torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, "kpt_final.pt")
