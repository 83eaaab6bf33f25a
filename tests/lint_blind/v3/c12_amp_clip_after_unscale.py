# expect: clean
# style: PyTorch AMP recipe inside a timm-like train_one_epoch (autocast, GradScaler, unscale_ then clip, step, update)
# note: scaler.unscale_(optimizer) precedes clip_grad_norm_, and scaler.update() follows scaler.step() every iteration
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def train_one_epoch(model, loader, optimizer, scaler, device, clip_grad, log_interval):
    model.train()
    for batch_idx, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=device.type == "cuda"):
            loss = nn.functional.cross_entropy(model(x), y)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = nn.utils.clip_grad_norm_(model.parameters(), clip_grad)
        scaler.step(optimizer)
        scaler.update()
        if batch_idx % log_interval == 0:
            print(f"[{batch_idx}/{len(loader)}] loss {loss.item():.4f} grad_norm {grad_norm.item():.3f} scale {scaler.get_scale():.0f}")


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    correct = 0
    for x, y in loader:
        correct += (model(x.to(device)).argmax(1) == y.to(device)).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--clip-grad", type=float, default=5.0)
    ap.add_argument("--log-interval", type=int, default=20)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = nn.Sequential(nn.Conv2d(3, 48, 3, padding=1), nn.BatchNorm2d(48), nn.GELU(), nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96),
                          nn.GELU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, 10)).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    scaler = torch.cuda.amp.GradScaler(enabled=device.type == "cuda")
    train_loader = DataLoader(TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,))), batch_size=64, shuffle=True)
    val_loader = DataLoader(TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,))), batch_size=256)
    for epoch in range(args.epochs):
        train_one_epoch(model, train_loader, optimizer, scaler, device, args.clip_grad, args.log_interval)
        print(f"epoch {epoch} val_acc {validate(model, val_loader, device):.4f}")


if __name__ == "__main__":
    main()
