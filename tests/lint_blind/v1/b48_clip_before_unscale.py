# expect: TVL016
# style: timm train.py-like loop with native AMP and --clip-grad
# bug: clip_grad_norm_ is applied to the still-scaled gradients (no scaler.unscale_ before clipping)
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def create_model(num_classes=100):
    return nn.Sequential(nn.Conv2d(3, 48, 3, 2, 1), nn.BatchNorm2d(48), nn.GELU(),
                         nn.Conv2d(48, 96, 3, 2, 1), nn.BatchNorm2d(96), nn.GELU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, num_classes))


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, args, loss_scaler):
    model.train()
    device = next(model.parameters()).device
    for batch_idx, (input, target) in enumerate(loader):
        input, target = input.to(device), target.to(device)
        with torch.autocast(device_type=device.type, enabled=args.amp):
            output = model(input)
            loss = loss_fn(output, target)
        optimizer.zero_grad()
        loss_scaler.scale(loss).backward()
        if args.clip_grad is not None:
            torch.nn.utils.clip_grad_norm_(model.parameters(), args.clip_grad)
        loss_scaler.step(optimizer)
        loss_scaler.update()
        if batch_idx % args.log_interval == 0:
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {loss.item():.4f} "
                  f"LR: {optimizer.param_groups[0]['lr']:.3e}")


def main():
    parser = argparse.ArgumentParser(description="timm-like training")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--clip-grad", type=float, default=1.0)
    parser.add_argument("--amp", action="store_true", default=True)
    parser.add_argument("--log-interval", type=int, default=20)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    model = create_model().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    loss_scaler = torch.cuda.amp.GradScaler(enabled=args.amp)
    ds = TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 100, (1024,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, drop_last=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader, optimizer, loss_fn, args, loss_scaler)


if __name__ == "__main__":
    main()
