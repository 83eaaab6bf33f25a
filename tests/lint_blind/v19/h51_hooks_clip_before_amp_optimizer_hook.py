# expect: TVL016
# style: mmengine-like hook runner for a detection-lite (center-point heatmap) model with AMP; gradient clipping lives in its own hook
# bug: GradClipHook (priority 40) runs after backward on the scaled gradients, before AmpOptimizerHook (priority 50) calls scaler.unscale_/step, so clipping compares scaled norms against max_norm
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("det")


class Hook:
    priority = 50

    def before_iter(self, runner): pass
    def after_backward(self, runner): pass
    def after_iter(self, runner): pass
    def after_epoch(self, runner): pass


class GradClipHook(Hook):
    priority = 40

    def __init__(self, max_norm=10.0):
        self.max_norm = max_norm

    def after_backward(self, runner):
        norm = nn.utils.clip_grad_norm_(runner.model.parameters(), self.max_norm)
        runner.log_buffer["grad_norm"] = float(norm)


class AmpOptimizerHook(Hook):
    priority = 50

    def after_backward(self, runner):
        runner.scaler.unscale_(runner.optimizer)
        runner.scaler.step(runner.optimizer)
        runner.scaler.update()


class TextLoggerHook(Hook):
    priority = 90

    def __init__(self, interval=50):
        self.interval = interval

    def after_iter(self, runner):
        if runner.iter % self.interval == 0:
            logger.info("epoch %d iter %d %s", runner.epoch, runner.iter,
                        {k: round(v, 4) for k, v in runner.log_buffer.items()})


class CenterNetLite(nn.Module):
    def __init__(self, n_cls=3, w=64):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, w, 3, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),
            nn.Conv2d(w, w, 3, 1, 1), nn.BatchNorm2d(w), nn.ReLU(),
        )
        self.hm = nn.Conv2d(w, n_cls, 1)
        self.wh = nn.Conv2d(w, 2, 1)
        nn.init.constant_(self.hm.bias, -2.19)

    def forward(self, x):
        f = self.backbone(x)
        return self.hm(f), self.wh(f)


def focal_heatmap_loss(pred_logits, gt, alpha=2, beta=4):
    pred = torch.sigmoid(pred_logits).clamp(1e-4, 1 - 1e-4)
    pos = gt.eq(1).float()
    neg = 1 - pos
    pos_loss = torch.log(pred) * (1 - pred) ** alpha * pos
    neg_loss = torch.log(1 - pred) * pred ** alpha * (1 - gt) ** beta * neg
    n = pos.sum().clamp(min=1)
    return -(pos_loss.sum() + neg_loss.sum()) / n


class Runner:
    def __init__(self, model, optimizer, loader, device, max_epochs):
        self.model, self.optimizer, self.loader, self.device = model, optimizer, loader, device
        self.scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
        self.max_epochs = max_epochs
        self.hooks, self.log_buffer = [], {}
        self.epoch = self.iter = 0

    def register_hook(self, hook):
        self.hooks.append(hook)
        self.hooks.sort(key=lambda h: h.priority)

    def call(self, name):
        for h in self.hooks:
            getattr(h, name)(self)

    def train(self):
        self.model.train()
        for self.epoch in range(self.max_epochs):
            t0 = time.time()
            for img, hm_gt, wh_gt in self.loader:
                img, hm_gt, wh_gt = img.to(self.device), hm_gt.to(self.device), wh_gt.to(self.device)
                self.call("before_iter")
                with torch.autocast(device_type=self.device.type, enabled=self.device.type == "cuda"):
                    hm, wh = self.model(img)
                    l_hm = focal_heatmap_loss(hm.float(), hm_gt)
                    l_wh = (F.l1_loss(wh.float(), wh_gt, reduction="none") * hm_gt.max(1, keepdim=True).values.eq(1)).sum() \
                        / hm_gt.eq(1).sum().clamp(min=1)
                    loss = l_hm + 0.1 * l_wh
                self.optimizer.zero_grad(set_to_none=True)
                self.scaler.scale(loss).backward()
                self.call("after_backward")
                self.log_buffer.update(loss=loss.item(), hm=l_hm.item(), wh=l_wh.item())
                self.iter += 1
                self.call("after_iter")
            self.call("after_epoch")
            logger.info("epoch %d took %.0fs", self.epoch, time.time() - t0)


def synthetic_det(n, size=128, n_cls=3):
    img = torch.rand(n, 3, size, size)
    hm = torch.zeros(n, n_cls, size // 4, size // 4)
    wh = torch.zeros(n, 2, size // 4, size // 4)
    cx, cy, c = torch.randint(0, size // 4, (n,)), torch.randint(0, size // 4, (n,)), torch.randint(0, n_cls, (n,))
    hm[torch.arange(n), c, cy, cx] = 1.0
    wh[torch.arange(n), :, cy, cx] = torch.rand(n, 2) * 20
    return TensorDataset(img, hm, wh)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    loader = DataLoader(synthetic_det(4000), batch_size=32, shuffle=True, num_workers=4, drop_last=True)
    model = CenterNetLite().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-4, weight_decay=1e-4)
    runner = Runner(model, optimizer, loader, device, max_epochs=70)
    for h in (AmpOptimizerHook(), GradClipHook(max_norm=35.0), TextLoggerHook()):
        runner.register_hook(h)
    runner.train()
    torch.save(model.state_dict(), "centernet_lite.pth")
