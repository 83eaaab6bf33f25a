# expect: TVL016
# style: engine with optimizer hooks for AMP (mmcv-like Fp16OptimizerHook), semantic segmentation
# bug: GradClipHook runs in before_step, which the engine calls right after backward and *before* AmpStepper.step() calls scaler.unscale_(), so the clipping threshold is applied to scaled gradients.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("seg_amp")

cfg = {
    "epochs": 12,
    "lr": 0.01,
    "grad_clip": {"max_norm": 35, "norm_type": 2},
    "amp": True,
    "num_classes": 6,
}


class GradClipHook:
    def __init__(self, max_norm, norm_type=2):
        self.max_norm, self.norm_type = max_norm, norm_type

    def before_step(self, engine):
        params = [p for p in engine.model.parameters() if p.grad is not None]
        engine.last_grad_norm = nn.utils.clip_grad_norm_(params, self.max_norm, self.norm_type).item()


class AmpStepper:
    def __init__(self, optimizer, enabled):
        self.optimizer = optimizer
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def step(self):
        self.scaler.unscale_(self.optimizer)
        self.scaler.step(self.optimizer)
        self.scaler.update()


class Engine:
    def __init__(self, model, stepper, hooks, device):
        self.model, self.stepper, self.hooks, self.device = model, stepper, hooks, device
        self.last_grad_norm = 0.0
        self.amp = stepper.scaler.is_enabled()

    def _call(self, name):
        for h in self.hooks:
            fn = getattr(h, name, None)
            if fn:
                fn(self)

    def train_epoch(self, loader, epoch):
        self.model.train()
        total = 0.0
        for img, mask in loader:
            img, mask = img.to(self.device), mask.to(self.device)
            with torch.autocast(device_type=self.device.type, enabled=self.amp):
                logits = self.model(img)
                loss = F.cross_entropy(logits, mask, ignore_index=255)
            self.stepper.optimizer.zero_grad(set_to_none=True)
            self.stepper.backward(loss)
            self._call("before_step")
            self.stepper.step()
            total += loss.item()
        logger.info("epoch %d loss %.4f grad_norm %.2f", epoch, total / len(loader), self.last_grad_norm)


class FCNHead(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 3, 1, 2, dilation=2), nn.BatchNorm2d(64), nn.ReLU(),
        )
        self.cls = nn.Conv2d(64, n_classes, 1)

    def forward(self, x):
        h = self.cls(self.backbone(x))
        return F.interpolate(h, size=x.shape[-2:], mode="bilinear", align_corners=False)


@torch.no_grad()
def miou(model, loader, n_classes, device):
    model.eval()
    inter = torch.zeros(n_classes)
    union = torch.zeros(n_classes)
    for img, mask in loader:
        pred = model(img.to(device)).argmax(1).cpu()
        for c in range(n_classes):
            inter[c] += ((pred == c) & (mask == c)).sum()
            union[c] += ((pred == c) | (mask == c)).sum()
    model.train()
    return (inter / union.clamp(min=1)).mean().item()


def synthetic_scenes(n, n_classes, seed):
    g = torch.Generator().manual_seed(seed)
    masks = torch.randint(0, n_classes, (n, 8, 8), generator=g).repeat_interleave(8, 1).repeat_interleave(8, 2)
    imgs = F.one_hot(masks, n_classes).permute(0, 3, 1, 2).float()[:, :3] + 0.3 * torch.randn(n, 3, 64, 64, generator=g)
    return TensorDataset(imgs, masks)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = FCNHead(cfg["num_classes"]).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9, weight_decay=5e-4)
    stepper = AmpStepper(opt, enabled=cfg["amp"] and device.type == "cuda")
    engine = Engine(model, stepper, [GradClipHook(**cfg["grad_clip"])], device)
    train_dl = DataLoader(synthetic_scenes(1500, cfg["num_classes"], 0), batch_size=16, shuffle=True)
    val_dl = DataLoader(synthetic_scenes(200, cfg["num_classes"], 1), batch_size=32)
    for epoch in range(cfg["epochs"]):
        engine.train_epoch(train_dl, epoch)
        logger.info("epoch %d mIoU %.4f", epoch, miou(model, val_dl, cfg["num_classes"], device))
    torch.save(model.state_dict(), "fcn_amp.pth")
