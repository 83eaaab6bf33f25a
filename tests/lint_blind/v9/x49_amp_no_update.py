# expect: TVL016
# style: mixed-precision image classification script (EfficientNet-ish), argparse, inline loop
# bug: the loop calls scaler.step(optimizer) but never scaler.update(), so the loss scale never adapts (and after an inf step it never backs off).
import os
import random
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


class MBConv(nn.Module):
    def __init__(self, cin, cout, expand=4, stride=1):
        super().__init__()
        mid = cin * expand
        self.use_res = stride == 1 and cin == cout
        self.block = nn.Sequential(
            nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid), nn.SiLU(),
            nn.Conv2d(mid, mid, 3, stride, 1, groups=mid, bias=False), nn.BatchNorm2d(mid), nn.SiLU(),
            nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout),
        )

    def forward(self, x):
        y = self.block(x)
        return x + y if self.use_res else y


class EffNetTiny(nn.Module):
    def __init__(self, n_classes=200):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.SiLU())
        self.blocks = nn.Sequential(MBConv(32, 32), MBConv(32, 64, stride=2), MBConv(64, 64), MBConv(64, 128, stride=2))
        self.head = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.head(F.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1).flatten(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--bs", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.2)
    ap.add_argument("--amp", action="store_true", default=True)
    args = ap.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = EffNetTiny().to(device).to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True, weight_decay=4e-5)
    scaler = torch.cuda.amp.GradScaler(enabled=args.amp)
    dl = DataLoader(TensorDataset(torch.randn(10000, 3, 64, 64), torch.randint(0, 200, (10000,))),
                    batch_size=args.bs, shuffle=True, num_workers=4, pin_memory=True, drop_last=True)

    for epoch in range(args.epochs):
        model.train()
        t0, seen, tot = time.time(), 0, 0.0
        for x, y in dl:
            x = x.to(device, non_blocking=True).to(memory_format=torch.channels_last)
            y = y.to(device, non_blocking=True)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=args.amp):
                loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            scaler.scale(loss).backward()
            scaler.step(opt)
            tot += loss.item() * x.size(0)
            seen += x.size(0)
        print(f"epoch {epoch} loss {tot / seen:.4f} {seen / (time.time() - t0):.0f} img/s scale {scaler.get_scale():.0f}")
        torch.save(model.state_dict(), "effnet_tiny.pth")


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    main()
