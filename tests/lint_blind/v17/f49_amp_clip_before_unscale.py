# expect: TVL016
# style: mixed-precision fine-tuning script (torch.cuda.amp), image classification with EfficientNet-ish blocks
# bug: clip_grad_norm_ runs on the still-scaled gradients and scaler.unscale_(optimizer) is called only afterwards, so the clipping threshold is applied to gradients multiplied by the loss scale.
import argparse
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


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
        out = self.block(x)
        return x + out if self.use_res else out


class TinyEffNet(nn.Module):
    def __init__(self, n_cls=37):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 24, 3, 2, 1, bias=False), nn.BatchNorm2d(24), nn.SiLU())
        self.blocks = nn.Sequential(MBConv(24, 24), MBConv(24, 40, stride=2), MBConv(40, 40),
                                    MBConv(40, 80, stride=2), MBConv(80, 80), MBConv(80, 112, stride=2))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(112, n_cls))

    def forward(self, x):
        return self.head(self.blocks(self.stem(x)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--max-norm", type=float, default=2.0)
    ap.add_argument("--amp", action="store_true", default=True)
    ap.add_argument("--out", default="pets_amp")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    use_amp = args.amp and device == "cuda"

    x, y = torch.randn(5000, 3, 96, 96), torch.randint(0, 37, (5000,))
    train_dl = DataLoader(TensorDataset(x[:4500], y[:4500]), batch_size=64, shuffle=True, num_workers=2, pin_memory=True)
    val_dl = DataLoader(TensorDataset(x[4500:], y[4500:]), batch_size=128, num_workers=2)

    model = TinyEffNet().to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)
    scaler = torch.cuda.amp.GradScaler(enabled=use_amp)
    os.makedirs(args.out, exist_ok=True)

    for epoch in range(args.epochs):
        model.train()
        t0, tot = time.time(), 0.0
        for xb, yb in train_dl:
            xb = xb.to(device, non_blocking=True).to(memory_format=torch.channels_last)
            yb = yb.to(device, non_blocking=True)
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
                loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            scaler.scale(loss).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_norm)
            scaler.unscale_(optimizer)
            scaler.step(optimizer)
            scaler.update()
            tot += loss.item()
        scheduler.step()

        model.eval()
        correct = 0
        with torch.no_grad(), torch.autocast(device_type="cuda", dtype=torch.float16, enabled=use_amp):
            for xb, yb in val_dl:
                correct += (model(xb.to(device)).argmax(1).cpu() == yb).sum().item()
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} val_acc {correct / len(val_dl.dataset):.4f} "
              f"scale {scaler.get_scale():.0f} {time.time() - t0:.0f}s")
        torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
