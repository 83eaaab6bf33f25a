# expect: TVL014
# style: YOLO-style train.py with --weights / --resume command-line options
# bug: torch.load(opt.weights) on a user-supplied checkpoint path without weights_only=True
import argparse
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class YoloNano(nn.Module):
    def __init__(self, nc=80):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1), nn.BatchNorm2d(16), nn.SiLU(),
                                   nn.Conv2d(16, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
                                   nn.Conv2d(32, nc + 5, 1))

    def forward(self, x):
        return self.model(x)


def train(opt):
    save_dir = Path(opt.project) / opt.name
    save_dir.mkdir(parents=True, exist_ok=True)
    model = YoloNano(opt.nc)
    optimizer = torch.optim.SGD(model.parameters(), lr=opt.lr0, momentum=0.937, nesterov=True)
    start_epoch = 0
    if opt.weights:
        ckpt = torch.load(opt.weights, map_location="cpu")
        model.load_state_dict(ckpt["model"], strict=False)
        if opt.resume and ckpt.get("optimizer") is not None:
            optimizer.load_state_dict(ckpt["optimizer"])
            start_epoch = ckpt["epoch"] + 1
        del ckpt
    ds = TensorDataset(torch.rand(64, 3, 64, 64), torch.rand(64, opt.nc + 5, 16, 16))
    loader = DataLoader(ds, batch_size=opt.batch_size, shuffle=True, num_workers=0)
    for epoch in range(start_epoch, opt.epochs):
        model.train()
        for imgs, targets in loader:
            pred = model(imgs)
            loss = F.binary_cross_entropy_with_logits(pred[:, 4:], targets[:, 4:]) + F.mse_loss(pred[:, :4], targets[:, :4])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        torch.save({"epoch": epoch, "model": model.state_dict(), "optimizer": optimizer.state_dict()},
                   save_dir / "last.pt")
        print(f"{epoch}/{opt.epochs - 1} loss {loss.item():.4f}")


def parse_opt():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", type=str, default="", help="initial weights path")
    parser.add_argument("--resume", action="store_true", help="resume most recent training")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr0", type=float, default=0.01)
    parser.add_argument("--nc", type=int, default=80)
    parser.add_argument("--project", default="runs/train")
    parser.add_argument("--name", default="exp")
    return parser.parse_args()


if __name__ == "__main__":
    train(parse_opt())
