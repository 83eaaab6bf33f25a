# expect: clean
# style: timm train.py with native AMP (NativeScaler-like helper: scale -> backward -> unscale_ -> clip -> step -> update)
# note: clipping happens after scaler.unscale_(optimizer), and scaler.update() follows every scaler.step()
import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class NativeScaler:
    def __init__(self, enabled=True):
        self._scaler = torch.cuda.amp.GradScaler(enabled=enabled)

    def __call__(self, loss, optimizer, clip_grad=None, parameters=None):
        self._scaler.scale(loss).backward()
        if clip_grad is not None:
            assert parameters is not None
            self._scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
        self._scaler.step(optimizer)
        self._scaler.update()


def create_model(num_classes=10):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 1, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, num_classes))


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, loss_scaler, args, device):
    model.train()
    for batch_idx, (input, target) in enumerate(loader):
        input, target = input.to(device), target.to(device)
        with torch.autocast(device_type=device.type, dtype=torch.float16, enabled=args.amp):
            loss = loss_fn(model(input), target)
        optimizer.zero_grad()
        loss_scaler(loss, optimizer, clip_grad=args.clip_grad, parameters=model.parameters())
        if batch_idx % 20 == 0:
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] loss {loss.item():.4f}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--clip-grad", type=float, default=5.0)
    parser.add_argument("--amp", action="store_true")
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    args.amp = args.amp and device.type == "cuda"
    ds = TensorDataset(torch.randn(1024, 3, 32, 32), torch.randint(0, 10, (1024,)))
    loader = DataLoader(ds, batch_size=64, shuffle=True, drop_last=True)
    model = create_model().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05)
    loss_scaler = NativeScaler(enabled=args.amp)
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader, optimizer, nn.CrossEntropyLoss(), loss_scaler, args, device)


if __name__ == "__main__":
    main()
