# expect: TVL014
# style: single-stage detector trainer with --resume (ultralytics/YOLOX train.py flavour, trimmed)
# bug: torch.load(args.resume, map_location="cpu") unpickles a user-supplied checkpoint path without weights_only=True
import argparse
import os
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class TinyDetector(nn.Module):
    def __init__(self, nc=80, na=3):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU())
        self.head = nn.Conv2d(128, na * (5 + nc), 1)
        self.na, self.no = na, 5 + nc

    def forward(self, x):
        p = self.head(self.backbone(x))
        b, _, h, w = p.shape
        return p.view(b, self.na, self.no, h, w).permute(0, 1, 3, 4, 2)


def compute_loss(pred, obj_t, cls_t):
    lobj = F.binary_cross_entropy_with_logits(pred[..., 4], obj_t)
    lcls = F.cross_entropy(pred[..., 5:].flatten(0, 3), cls_t.flatten())
    return lobj + 0.5 * lcls


def parse_opt():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--resume", type=str, default="", help="resume most recent training from last.pt")
    parser.add_argument("--save-dir", default="runs/train/exp")
    return parser.parse_args()


def train(opt):
    model = TinyDetector()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937, nesterov=True)
    start_epoch = 0
    if opt.resume:
        ckpt = torch.load(opt.resume, map_location="cpu")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        start_epoch = ckpt["epoch"] + 1
        print(f"Resuming training from {opt.resume} from epoch {start_epoch}")
    imgs = torch.randn(64, 3, 128, 128)
    obj = (torch.rand(64, 3, 16, 16) > 0.9).float()
    cls = torch.randint(0, 80, (64, 3, 16, 16))
    loader = DataLoader(TensorDataset(imgs, obj, cls), batch_size=opt.batch_size, shuffle=True)
    os.makedirs(opt.save_dir, exist_ok=True)
    for epoch in range(start_epoch, opt.epochs):
        model.train()
        mloss = 0.0
        for i, (x, o, c) in enumerate(loader):
            loss = compute_loss(model(x), o, c)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            mloss = (mloss * i + loss.item()) / (i + 1)
        print(f"{epoch}/{opt.epochs - 1}  loss {mloss:.4f}")
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch},
                   os.path.join(opt.save_dir, "last.pt"))


if __name__ == "__main__":
    train(parse_opt())
