# expect: clean
# style: YOLOv5-era AMP training step (GradScaler) with accumulate-to-nominal-batch logic
# note: scale -> backward every batch; every `accumulate` batches: unscale_ -> clip -> scaler.step -> scaler.update -> zero_grad
import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class Detector(nn.Module):
    def __init__(self, nc=10):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
                                  nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU())
        self.head = nn.Conv2d(64, nc + 5, 1)

    def forward(self, x):
        return self.head(self.body(x))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--nbs", type=int, default=64, help="nominal batch size")
    opt = parser.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    cuda = device == "cuda"
    model = Detector().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.937, nesterov=True)
    scaler = torch.cuda.amp.GradScaler(enabled=cuda)
    accumulate = max(round(opt.nbs / opt.batch_size), 1)
    ds = TensorDataset(torch.rand(128, 3, 64, 64), torch.rand(128, 15, 16, 16))
    loader = DataLoader(ds, batch_size=opt.batch_size, shuffle=True, pin_memory=cuda)
    nb = len(loader)
    last_opt_step = -1
    optimizer.zero_grad()
    for epoch in range(opt.epochs):
        model.train()
        for i, (imgs, targets) in enumerate(loader):
            ni = i + nb * epoch
            imgs, targets = imgs.to(device, non_blocking=True), targets.to(device)
            with torch.autocast(device_type=device, enabled=cuda):
                pred = model(imgs)
                loss = F.binary_cross_entropy_with_logits(pred[:, 4:], targets[:, 4:]) + \
                    F.mse_loss(pred[:, :4].sigmoid(), targets[:, :4])
            scaler.scale(loss * opt.batch_size).backward()
            if ni - last_opt_step >= accumulate:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=10.0)
                scaler.step(optimizer)
                scaler.update()
                optimizer.zero_grad()
                last_opt_step = ni
        print(f"{epoch}/{opt.epochs - 1} loss {loss.item():.4f} scale {scaler.get_scale() if cuda else math.nan}")


if __name__ == "__main__":
    main()
