# expect: clean
# style: mmcv/mmengine-style runner with train()/val() methods and ReduceLROnPlateau stepped on val loss
# note: train() calls model.train() at the top of every epoch; val() uses eval(); plateau scheduler stepped once per epoch after optimizer steps
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)


class PoseNet(nn.Module):
    def __init__(self, joints=17):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
                                      nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU())
        self.keypoint_head = nn.Conv2d(64, joints, 1)

    def forward(self, x):
        return self.keypoint_head(self.backbone(x))


class Runner:
    def __init__(self, model, optimizer, scheduler):
        self.model, self.optimizer, self.scheduler = model, optimizer, scheduler
        self.logger = logging.getLogger("runner")
        self.epoch = 0

    def train(self, loader):
        self.model.train()
        for i, (img, heatmap) in enumerate(loader):
            loss = F.mse_loss(self.model(img), heatmap)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            if i % 5 == 0:
                self.logger.info("Epoch [%d][%d/%d] mse_loss: %.6f", self.epoch, i, len(loader), loss.item())

    @torch.no_grad()
    def val(self, loader):
        self.model.eval()
        total = sum(F.mse_loss(self.model(img), hm, reduction="sum").item() for img, hm in loader)
        return total / len(loader.dataset)

    def run(self, train_loader, val_loader, max_epochs):
        for self.epoch in range(max_epochs):
            self.train(train_loader)
            val_loss = self.val(val_loader)
            self.scheduler.step(val_loss)
            self.logger.info("Epoch(val) [%d] loss: %.6f", self.epoch, val_loss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max-epochs", type=int, default=20)
    args = ap.parse_args()
    model = PoseNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-4)
    scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5, patience=2)
    tr = TensorDataset(torch.rand(64, 3, 64, 64), torch.rand(64, 17, 16, 16))
    va = TensorDataset(torch.rand(16, 3, 64, 64), torch.rand(16, 17, 16, 16))
    Runner(model, optimizer, scheduler).run(DataLoader(tr, batch_size=8, shuffle=True), DataLoader(va, batch_size=8),
                                            args.max_epochs)


if __name__ == "__main__":
    main()
