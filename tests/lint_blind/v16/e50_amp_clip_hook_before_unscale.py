# expect: TVL016
# style: mixed-precision runner with an OptimizerHook and a GradClipHook, object detection-ish regression head
# bug: the runner calls the after_backward hooks (gradient clipping) before AmpOptimizerHook.unscale_, so GradClipHook clips scaled gradients; unscale_ only happens afterwards in before_step
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("amp_runner")


class GradClipHook:
    def __init__(self, max_norm=10.0):
        self.max_norm = max_norm

    def after_backward(self, runner):
        params = [p for p in runner.model.parameters() if p.grad is not None]
        runner.log_buffer["grad_norm"] = nn.utils.clip_grad_norm_(params, self.max_norm).item()

    def before_step(self, runner):
        pass


class AmpOptimizerHook:
    def __init__(self, scaler):
        self.scaler = scaler

    def after_backward(self, runner):
        pass

    def before_step(self, runner):
        self.scaler.unscale_(runner.optimizer)


class AmpRunner:
    def __init__(self, model, optimizer, scaler, hooks, device):
        self.model, self.optimizer, self.scaler, self.hooks = model, optimizer, scaler, hooks
        self.device = device
        self.log_buffer = {}
        self.iter = 0

    def call_hooks(self, stage):
        for h in self.hooks:
            getattr(h, stage)(self)

    def train_iter(self, images, boxes):
        with torch.autocast(self.device.type, enabled=self.device.type == "cuda"):
            pred = self.model(images)
            loss = F.smooth_l1_loss(pred, boxes, beta=1.0 / 9)
        self.optimizer.zero_grad()
        self.scaler.scale(loss).backward()
        self.call_hooks("after_backward")
        self.call_hooks("before_step")
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.log_buffer["loss"] = loss.item()
        self.iter += 1

    def run(self, loader, epochs):
        for epoch in range(epochs):
            self.model.train()
            for images, boxes in loader:
                self.train_iter(images.to(self.device), boxes.to(self.device))
                if self.iter % 25 == 0:
                    logger.info("epoch %d iter %d %s", epoch, self.iter,
                                {k: round(v, 4) for k, v in self.log_buffer.items()})
            torch.save(self.model.state_dict(), f"boxreg_epoch{epoch}.pth")


class BoxRegressor(nn.Module):
    def __init__(self, n_boxes=4):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
        self.reg = nn.Linear(128, n_boxes * 4)
        self.n_boxes = n_boxes

    def forward(self, x):
        return self.reg(self.features(x).flatten(1)).view(-1, self.n_boxes, 4)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    images = torch.randn(2000, 3, 128, 128)
    boxes = torch.rand(2000, 4, 4)
    loader = DataLoader(TensorDataset(images, boxes), batch_size=32, shuffle=True, drop_last=True)
    model = BoxRegressor().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
    runner = AmpRunner(model, optimizer, scaler, [GradClipHook(10.0), AmpOptimizerHook(scaler)], device)
    runner.run(loader, epochs=12)
