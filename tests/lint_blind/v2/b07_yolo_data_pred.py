# expect: TVL002
# style: YOLO-style single-file detector trainer (ultralytics-v3-era train.py)
# bug: `pred = model(imgs).data` detaches the predictions before compute_loss, so no gradient flows to the model
import argparse
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Darknetish(nn.Module):
    def __init__(self, nc=80, na=3):
        super().__init__()
        self.no = nc + 5
        self.na = na
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.LeakyReLU(0.1),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.LeakyReLU(0.1),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.LeakyReLU(0.1))
        self.detect = nn.Conv2d(128, na * self.no, 1)

    def forward(self, x):
        p = self.detect(self.backbone(x))
        bs, _, ny, nx = p.shape
        return p.view(bs, self.na, self.no, ny, nx).permute(0, 1, 3, 4, 2).contiguous()


def compute_loss(pred, targets):
    bce = nn.BCEWithLogitsLoss()
    obj_t = targets[..., 4]
    lobj = bce(pred[..., 4], obj_t)
    lbox = ((pred[..., :4].sigmoid() - targets[..., :4]) ** 2).mean()
    lcls = bce(pred[..., 5:], targets[..., 5:])
    return lbox * 0.05 + lobj * 1.0 + lcls * 0.5


def train(opt):
    model = Darknetish(nc=opt.nc)
    optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr0, momentum=0.937, nesterov=True)
    lf = lambda x: ((1 + math.cos(x * math.pi / opt.epochs)) / 2) * 0.8 + 0.2
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda=lf)
    imgs = torch.rand(64, 3, 128, 128)
    targets = torch.rand(64, 3, 16, 16, opt.nc + 5)
    loader = DataLoader(TensorDataset(imgs, targets), batch_size=opt.batch_size, shuffle=True)
    for epoch in range(opt.epochs):
        model.train()
        mloss = 0.0
        for i, (imgs_b, tgt_b) in enumerate(loader):
            pred = model(imgs_b).data
            pred.requires_grad = True
            loss = compute_loss(pred, tgt_b)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            mloss = (mloss * i + loss.item()) / (i + 1)
        scheduler.step()
        print(f"{epoch}/{opt.epochs - 1}  mloss={mloss:.4f}  lr={scheduler.get_last_lr()[0]:.5f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr0", type=float, default=0.01)
    parser.add_argument("--nc", type=int, default=80)
    train(parser.parse_args())
