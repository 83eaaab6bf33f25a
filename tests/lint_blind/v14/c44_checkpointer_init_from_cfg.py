# expect: TVL014
# style: detectron2-like Checkpointer class + argparse config, keypoint heatmap regression
# bug: --init-from on the command line becomes cfg.init_from and Checkpointer.load() reads it with torch.load without weights_only=True
import argparse
import logging
import os
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("pose")


@dataclass
class Config:
    n_keypoints: int = 17
    epochs: int = 40
    lr: float = 1e-3
    batch_size: int = 32
    init_from: str = ""
    output_dir: str = "output/pose"


class Checkpointer:
    def __init__(self, model, optimizer=None, save_dir="."):
        self.model = model
        self.optimizer = optimizer
        self.save_dir = save_dir

    def save(self, name, **extra):
        data = {"model": self.model.state_dict(), **extra}
        if self.optimizer is not None:
            data["optimizer"] = self.optimizer.state_dict()
        torch.save(data, os.path.join(self.save_dir, f"{name}.pth"))

    def load(self, path):
        if not path:
            return {}
        logger.info("loading checkpoint from %s", path)
        checkpoint = torch.load(path, map_location=torch.device("cpu"))
        self.model.load_state_dict(checkpoint.pop("model"), strict=False)
        if self.optimizer is not None and "optimizer" in checkpoint:
            self.optimizer.load_state_dict(checkpoint.pop("optimizer"))
        return checkpoint


class SimpleBaseline(nn.Module):
    def __init__(self, n_kp):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU())
        self.deconv = nn.Sequential(nn.ConvTranspose2d(256, 128, 4, 2, 1), nn.BatchNorm2d(128), nn.ReLU())
        self.final = nn.Conv2d(128, n_kp, 1)

    def forward(self, x):
        return self.final(self.deconv(self.backbone(x)))


def gaussian_heatmaps(coords, size=32, sigma=1.5):
    ys = torch.arange(size).view(1, 1, size, 1).float()
    xs = torch.arange(size).view(1, 1, 1, size).float()
    cx, cy = coords[..., 0, None, None], coords[..., 1, None, None]
    return torch.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * sigma ** 2))


def setup(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--init-from", default="")
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--output-dir", default="output/pose")
    a = p.parse_args(argv)
    return Config(init_from=a.init_from, epochs=a.epochs, output_dir=a.output_dir)


def train(cfg: Config):
    os.makedirs(cfg.output_dir, exist_ok=True)
    model = SimpleBaseline(cfg.n_keypoints)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    checkpointer = Checkpointer(model, optimizer, cfg.output_dir)
    extra = checkpointer.load(cfg.init_from)
    start = extra.get("epoch", -1) + 1

    imgs = torch.rand(1200, 3, 128, 128)
    kps = torch.rand(1200, cfg.n_keypoints, 2) * 31
    heat = gaussian_heatmaps(kps)
    loader = DataLoader(TensorDataset(imgs, heat), batch_size=cfg.batch_size, shuffle=True)
    for epoch in range(start, cfg.epochs):
        model.train()
        tot = 0.0
        for x, target in loader:
            loss = F.mse_loss(model(x), target) * 1000
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot += loss.item()
        logger.info("epoch %d heatmap loss %.4f", epoch, tot / len(loader))
        checkpointer.save("model_last", epoch=epoch)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(setup())
