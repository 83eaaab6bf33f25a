# expect: TVL007
# style: mmdetection-style config dict + hook-based runner written by hand (lr_config with step epochs), segmentation head
# bug: build_lr_scheduler() makes an epoch-based StepLR (step=8 epochs per the config) but LrUpdaterHook steps it in after_train_iter, i.e. every batch
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

cfg = dict(
    model=dict(in_channels=3, num_classes=21, width=64),
    optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=1e-4),
    lr_config=dict(policy="step", step=8, gamma=0.1),
    runner=dict(max_epochs=12),
    data=dict(samples_per_gpu=4, workers_per_gpu=2),
)


def build_optimizer(model, opt_cfg):
    opt_cfg = dict(opt_cfg)
    opt_type = getattr(torch.optim, opt_cfg.pop("type"))
    return opt_type(model.parameters(), **opt_cfg)


def build_lr_scheduler(optimizer, lr_cfg):
    assert lr_cfg["policy"] == "step"
    return torch.optim.lr_scheduler.StepLR(optimizer, step_size=lr_cfg["step"], gamma=lr_cfg["gamma"])


class TinyFCN(nn.Module):
    def __init__(self, in_channels, num_classes, width):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU(),
            nn.Conv2d(width, width * 2, 3, stride=2, padding=1), nn.BatchNorm2d(width * 2), nn.ReLU())
        self.decode_head = nn.Conv2d(width * 2, num_classes, 1)

    def forward(self, img):
        logits = self.decode_head(self.backbone(img))
        return F.interpolate(logits, size=img.shape[-2:], mode="bilinear", align_corners=False)


class LrUpdaterHook:
    def __init__(self, scheduler):
        self.scheduler = scheduler

    def after_train_iter(self, runner):
        self.scheduler.step()


class Runner:
    def __init__(self, model, optimizer, hooks, max_epochs):
        self.model, self.optimizer, self.hooks, self.max_epochs = model, optimizer, hooks, max_epochs
        self.iter = 0

    def run(self, loader):
        for epoch in range(self.max_epochs):
            self.model.train()
            for img, seg in loader:
                loss = F.cross_entropy(self.model(img), seg, ignore_index=255)
                self.optimizer.zero_grad()
                loss.backward()
                self.optimizer.step()
                for h in self.hooks:
                    h.after_train_iter(self)
                self.iter += 1
            lr = self.optimizer.param_groups[0]["lr"]
            print(f"Epoch [{epoch + 1}] iter {self.iter} lr {lr:.2e} loss {loss.item():.4f}")


if __name__ == "__main__":
    model = TinyFCN(**cfg["model"])
    optimizer = build_optimizer(model, cfg["optimizer"])
    scheduler = build_lr_scheduler(optimizer, cfg["lr_config"])
    ds = TensorDataset(torch.randn(64, 3, 128, 128), torch.randint(0, 21, (64, 128, 128)))
    loader = DataLoader(ds, batch_size=cfg["data"]["samples_per_gpu"], shuffle=True,
                        num_workers=cfg["data"]["workers_per_gpu"])
    Runner(model, optimizer, [LrUpdaterHook(scheduler)], cfg["runner"]["max_epochs"]).run(loader)
