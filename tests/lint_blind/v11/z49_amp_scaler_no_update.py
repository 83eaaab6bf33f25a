# expect: TVL016
# style: AMP mixed-precision ImageNet-style train loop split into helpers; scaler handling in `optimizer_step`
# bug: `optimizer_step` calls scaler.scale(loss).backward() and scaler.step(optimizer) but never scaler.update(), so the loss scale never adapts (and inf-skips repeat forever)
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def build_model(n_cls=100):
    def block(i, o):
        return nn.Sequential(nn.Conv2d(i, o, 3, padding=1, bias=False), nn.BatchNorm2d(o), nn.ReLU(inplace=True))
    return nn.Sequential(block(3, 64), block(64, 128), nn.MaxPool2d(2), block(128, 256), nn.MaxPool2d(2),
                         block(256, 256), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, n_cls))


def optimizer_step(loss, optimizer, scaler):
    optimizer.zero_grad(set_to_none=True)
    scaler.scale(loss).backward()
    scaler.step(optimizer)


def train_epoch(model, loader, optimizer, scaler, device, epoch):
    model.train()
    t0 = time.time()
    seen, loss_sum = 0, 0.0
    for i, (x, y) in enumerate(loader):
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            loss = F.cross_entropy(model(x), y)
        optimizer_step(loss, optimizer, scaler)
        loss_sum += loss.item() * len(y)
        seen += len(y)
        if i % 20 == 0:
            print(f"ep {epoch} it {i} loss {loss.item():.4f} scale {scaler.get_scale():.0f} "
                  f"img/s {seen / (time.time() - t0):.0f}")
    return loss_sum / seen


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--lr", type=float, default=0.1)
    ap.add_argument("--bs", type=int, default=128)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = build_model().to(device).to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-5)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
    ds = TensorDataset(torch.randn(4096, 3, 32, 32), torch.randint(0, 100, (4096,)))
    loader = DataLoader(ds, batch_size=args.bs, shuffle=True, pin_memory=True, drop_last=True)
    for epoch in range(args.epochs):
        avg = train_epoch(model, loader, optimizer, scaler, device, epoch)
        print(f"epoch {epoch} avg loss {avg:.4f}")
        torch.save({"model": model.state_dict(), "scaler": scaler.state_dict()}, "amp_last.pt")


if __name__ == "__main__":
    main()
