# expect: TVL016
# style: torchvision detection/classification reference train_one_epoch with --amp (GradScaler, MetricLogger-ish printing)
# bug: scaler.step(optimizer) is never followed by scaler.update(), so the loss scale is never adjusted (and inf-skip bookkeeping breaks)
import argparse
import time

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


def train_one_epoch(model, criterion, optimizer, data_loader, device, epoch, print_freq, scaler=None):
    model.train()
    start = time.time()
    for i, (image, target) in enumerate(data_loader):
        image, target = image.to(device), target.to(device)
        with torch.autocast(device_type=device.type, enabled=scaler is not None):
            output = model(image)
            loss = criterion(output, target)
        optimizer.zero_grad()
        if scaler is not None:
            scaler.scale(loss).backward()
            scaler.step(optimizer)
        else:
            loss.backward()
            optimizer.step()
        if i % print_freq == 0:
            acc1 = (output.argmax(1) == target).float().mean().item() * 100
            print(f"Epoch: [{epoch}] [{i}/{len(data_loader)}] loss: {loss.item():.4f} acc1: {acc1:.2f} time: {time.time() - start:.1f}s")


def evaluate(model, data_loader, device):
    model.eval()
    correct = 0
    with torch.inference_mode():
        for image, target in data_loader:
            correct += (model(image.to(device)).argmax(1) == target.to(device)).sum().item()
    return 100.0 * correct / len(data_loader.dataset)


def main(args):
    device = torch.device(args.device)
    train_ds = TensorDataset(torch.randn(2048, 3, 32, 32), torch.randint(0, 10, (2048,)))
    val_ds = TensorDataset(torch.randn(512, 3, 32, 32), torch.randint(0, 10, (512,)))
    data_loader = DataLoader(train_ds, batch_size=args.batch_size, sampler=torch.utils.data.RandomSampler(train_ds), num_workers=4)
    data_loader_test = DataLoader(val_ds, batch_size=args.batch_size, sampler=torch.utils.data.SequentialSampler(val_ds))
    model = nn.Sequential(nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                          nn.Flatten(), nn.Linear(128, 10)).to(device)
    criterion = nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    scaler = torch.cuda.amp.GradScaler() if args.amp else None
    lr_scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=args.lr_step_size, gamma=0.1)
    for epoch in range(args.epochs):
        train_one_epoch(model, criterion, optimizer, data_loader, device, epoch, args.print_freq, scaler)
        lr_scheduler.step()
        print(f"Test: Acc@1 {evaluate(model, data_loader_test, device):.3f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="PyTorch Classification Training")
    parser.add_argument("--device", default="cuda", type=str)
    parser.add_argument("-b", "--batch-size", default=32, type=int)
    parser.add_argument("--epochs", default=90, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("--lr-step-size", default=30, type=int)
    parser.add_argument("--label-smoothing", default=0.0, type=float)
    parser.add_argument("--print-freq", default=10, type=int)
    parser.add_argument("--amp", action="store_true")
    main(parser.parse_args())
