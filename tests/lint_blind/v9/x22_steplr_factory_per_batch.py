# expect: TVL007
# style: Trainer class with a config-driven scheduler factory, detection-ish keypoint regression
# bug: build_scheduler makes a StepLR whose step_size is in epochs (cfg "decay_epochs": 30) but Trainer._train_step steps it every batch, so the LR decays after 30 iterations.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kp")

CONFIG = {
    "optimizer": {"name": "sgd", "lr": 0.02, "momentum": 0.9, "weight_decay": 1e-4},
    "scheduler": {"name": "step", "decay_epochs": 30, "gamma": 0.1},
    "epochs": 90,
    "batch_size": 32,
    "num_keypoints": 17,
}


def build_optimizer(params, cfg):
    c = dict(cfg)
    name = c.pop("name")
    if name == "sgd":
        return torch.optim.SGD(params, **c)
    if name == "adamw":
        return torch.optim.AdamW(params, **c)
    raise ValueError(name)


def build_scheduler(optimizer, cfg):
    if cfg["name"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=cfg["decay_epochs"], gamma=cfg["gamma"])
    if cfg["name"] == "multistep":
        return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=cfg["milestones"], gamma=cfg["gamma"])
    raise ValueError(cfg["name"])


class HeatmapNet(nn.Module):
    def __init__(self, k):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(),
        )
        self.head = nn.Conv2d(128, k, 1)

    def forward(self, x):
        return self.head(self.body(x))


class Trainer:
    def __init__(self, cfg):
        self.cfg = cfg
        self.model = HeatmapNet(cfg["num_keypoints"])
        self.optimizer = build_optimizer(self.model.parameters(), cfg["optimizer"])
        self.scheduler = build_scheduler(self.optimizer, cfg["scheduler"])
        self.global_step = 0

    def _train_step(self, images, heatmaps):
        self.optimizer.zero_grad()
        pred = self.model(images)
        loss = F.mse_loss(pred, heatmaps)
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.global_step += 1
        return loss.item()

    def train(self, loader):
        for epoch in range(self.cfg["epochs"]):
            self.model.train()
            losses = [self._train_step(x, h) for x, h in loader]
            logger.info("epoch %d loss %.5f lr %.5f", epoch, sum(losses) / len(losses), self.optimizer.param_groups[0]["lr"])
            if (epoch + 1) % 10 == 0:
                torch.save({"model": self.model.state_dict(), "epoch": epoch}, f"kp_e{epoch + 1}.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    imgs = torch.randn(640, 3, 128, 128)
    hms = torch.rand(640, CONFIG["num_keypoints"], 32, 32)
    loader = DataLoader(TensorDataset(imgs, hms), batch_size=CONFIG["batch_size"], shuffle=True)
    Trainer(CONFIG).train(loader)
