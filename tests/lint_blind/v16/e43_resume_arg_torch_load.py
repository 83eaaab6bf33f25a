# expect: TVL014
# style: research repo train.py with --resume, image classification with full checkpoint state
# bug: --resume takes a path from the command line and load_checkpoint calls torch.load on it without weights_only=True (full unpickling of an arbitrary file)
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("train")


def get_parser():
    p = argparse.ArgumentParser("classification training")
    p.add_argument("--data-size", type=int, default=4000)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--lr", type=float, default=0.05)
    p.add_argument("--resume", type=str, default="", help="path to latest checkpoint")
    p.add_argument("--output-dir", type=str, default="./checkpoints")
    p.add_argument("--print-freq", type=int, default=25)
    return p


def make_model(num_classes=100):
    return nn.Sequential(
        nn.Conv2d(3, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
        nn.Conv2d(64, 128, 3, stride=2, padding=1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.Conv2d(128, 256, 3, stride=2, padding=1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, num_classes))


def save_checkpoint(state, output_dir, is_best):
    path = os.path.join(output_dir, "checkpoint.pth")
    torch.save(state, path)
    if is_best:
        torch.save(state, os.path.join(output_dir, "model_best.pth"))


def load_checkpoint(path, model, optimizer, scheduler):
    logger.info("=> loading checkpoint '%s'", path)
    checkpoint = torch.load(path, map_location="cpu")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["lr_scheduler"])
    return checkpoint["epoch"] + 1, checkpoint.get("best_acc1", 0.0)


def train_one_epoch(model, loader, optimizer, device, epoch, print_freq):
    model.train()
    for i, (x, y) in enumerate(loader):
        x, y = x.to(device), y.to(device)
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % print_freq == 0:
            logger.info("Epoch: [%d][%d/%d] loss %.4f", epoch, i, len(loader), loss.item())


@torch.no_grad()
def validate(model, loader, device):
    model.eval()
    correct = n = 0
    for x, y in loader:
        correct += (model(x.to(device)).argmax(1).cpu() == y).sum().item()
        n += len(y)
    return 100.0 * correct / n


def main(args):
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.output_dir, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(args.data_size, 3, 32, 32)
    y = torch.randint(0, 100, (args.data_size,))
    cut = int(0.9 * args.data_size)
    train_loader = DataLoader(TensorDataset(x[:cut], y[:cut]), batch_size=128, shuffle=True, num_workers=4)
    val_loader = DataLoader(TensorDataset(x[cut:], y[cut:]), batch_size=256, shuffle=False)

    model = make_model().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[15, 25], gamma=0.1)
    start_epoch, best_acc1 = 0, 0.0
    if args.resume:
        start_epoch, best_acc1 = load_checkpoint(args.resume, model, optimizer, scheduler)

    for epoch in range(start_epoch, args.epochs):
        train_one_epoch(model, train_loader, optimizer, device, epoch, args.print_freq)
        scheduler.step()
        acc1 = validate(model, val_loader, device)
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        logger.info("epoch %d acc@1 %.2f best %.2f", epoch, acc1, best_acc1)
        save_checkpoint({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                         "lr_scheduler": scheduler.state_dict(), "epoch": epoch, "best_acc1": best_acc1},
                        args.output_dir, is_best)


if __name__ == "__main__":
    main(get_parser().parse_args())
