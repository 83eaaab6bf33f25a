# expect: clean
# style: ultralytics-like trainer optimizer_step() with torch.amp GradScaler
# note: optimizer_step() unscales first, clips the unscaled grads, then scaler.step + scaler.update + zero_grad — the documented order
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class SegHead(nn.Module):
    def __init__(self, nc=4):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
                                  nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU())
        self.head = nn.Conv2d(64, nc, 1)

    def forward(self, x):
        return F.interpolate(self.head(self.body(x)), scale_factor=4, mode="nearest")


class BaseTrainer:
    def __init__(self, args):
        self.args = args
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = SegHead().to(self.device)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=args.lr0, weight_decay=5e-4)
        self.scaler = torch.amp.GradScaler(self.device, enabled=args.amp)
        ds = TensorDataset(torch.randn(160, 3, 64, 64), torch.randint(0, 4, (160, 64, 64)))
        self.train_loader = DataLoader(ds, batch_size=args.batch, shuffle=True)

    def optimizer_step(self):
        self.scaler.unscale_(self.optimizer)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), max_norm=10.0)
        self.scaler.step(self.optimizer)
        self.scaler.update()
        self.optimizer.zero_grad()

    def _do_train(self):
        for epoch in range(self.args.epochs):
            self.model.train()
            tloss = 0.0
            for i, (img, mask) in enumerate(self.train_loader):
                img, mask = img.to(self.device), mask.to(self.device)
                with torch.autocast(self.device, enabled=self.args.amp):
                    loss = F.cross_entropy(self.model(img), mask)
                self.scaler.scale(loss).backward()
                self.optimizer_step()
                tloss = (tloss * i + loss.item()) / (i + 1)
            print(f"{epoch + 1}/{self.args.epochs}  loss={tloss:.4f}  scale={self.scaler.get_scale():.0f}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr0", type=float, default=1e-3)
    ap.add_argument("--amp", action="store_true")
    BaseTrainer(ap.parse_args())._do_train()
