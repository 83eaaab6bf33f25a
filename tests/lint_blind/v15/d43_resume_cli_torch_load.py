# expect: TVL014
# style: ImageNet-style training script with --resume, inline checkpoint loading
# bug: the --resume path from the command line is passed to torch.load without weights_only=True, unpickling arbitrary objects from a user-supplied file
import argparse
import os
import shutil
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

parser = argparse.ArgumentParser(description="Training with resume support")
parser.add_argument("--epochs", default=40, type=int)
parser.add_argument("--start-epoch", default=0, type=int)
parser.add_argument("-b", "--batch-size", default=128, type=int)
parser.add_argument("--lr", default=0.1, type=float)
parser.add_argument("--wd", default=1e-4, type=float)
parser.add_argument("--resume", default="", type=str, metavar="PATH", help="path to latest checkpoint")
parser.add_argument("--ckpt-dir", default="checkpoints", type=str)
parser.add_argument("--print-freq", default=50, type=int)


def save_checkpoint(state, is_best, ckpt_dir, filename="checkpoint.pth.tar"):
    path = os.path.join(ckpt_dir, filename)
    torch.save(state, path)
    if is_best:
        shutil.copyfile(path, os.path.join(ckpt_dir, "model_best.pth.tar"))


class Net(nn.Module):
    def __init__(self, num_classes=100):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, 1, 1), nn.BatchNorm2d(64), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, 1, 1), nn.BatchNorm2d(128), nn.ReLU(inplace=True), nn.MaxPool2d(2),
            nn.Conv2d(128, 256, 3, 1, 1), nn.BatchNorm2d(256), nn.ReLU(inplace=True),
            nn.AdaptiveAvgPool2d(1),
        )
        self.classifier = nn.Linear(256, num_classes)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def accuracy(output, target, topk=(1, 5)):
    maxk = max(topk)
    _, pred = output.topk(maxk, 1, True, True)
    correct = pred.t().eq(target.view(1, -1))
    return [correct[:k].reshape(-1).float().sum().item() * 100.0 / target.size(0) for k in topk]


def main():
    args = parser.parse_args()
    os.makedirs(args.ckpt_dir, exist_ok=True)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(12000, 3, 32, 32)
    y = torch.randint(0, 100, (12000,))
    train_loader = DataLoader(TensorDataset(x[:10000], y[:10000]), batch_size=args.batch_size, shuffle=True,
                              num_workers=4, pin_memory=True)
    val_loader = DataLoader(TensorDataset(x[10000:], y[10000:]), batch_size=256, shuffle=False, num_workers=4)

    model = Net().to(device)
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=args.wd)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=15, gamma=0.1)
    best_acc1 = 0.0

    if args.resume:
        if os.path.isfile(args.resume):
            print(f"=> loading checkpoint '{args.resume}'")
            checkpoint = torch.load(args.resume, map_location=device)
            args.start_epoch = checkpoint["epoch"]
            best_acc1 = checkpoint["best_acc1"]
            model.load_state_dict(checkpoint["state_dict"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            scheduler.load_state_dict(checkpoint["scheduler"])
            print(f"=> loaded checkpoint (epoch {checkpoint['epoch']})")
        else:
            print(f"=> no checkpoint found at '{args.resume}'")

    for epoch in range(args.start_epoch, args.epochs):
        model.train()
        end = time.time()
        for i, (images, target) in enumerate(train_loader):
            images, target = images.to(device, non_blocking=True), target.to(device, non_blocking=True)
            output = model(images)
            loss = F.cross_entropy(output, target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % args.print_freq == 0:
                acc1, acc5 = accuracy(output, target)
                print(f"Epoch [{epoch}][{i}/{len(train_loader)}] loss {loss.item():.4f} "
                      f"acc@1 {acc1:.2f} acc@5 {acc5:.2f} time {time.time() - end:.2f}")
                end = time.time()
        scheduler.step()

        model.eval()
        top1_sum, n = 0.0, 0
        with torch.no_grad():
            for images, target in val_loader:
                output = model(images.to(device))
                top1_sum += accuracy(output, target.to(device), topk=(1,))[0] * target.size(0)
                n += target.size(0)
        acc1 = top1_sum / n
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        print(f" * Epoch {epoch} Acc@1 {acc1:.3f} (best {best_acc1:.3f})")
        save_checkpoint({"epoch": epoch + 1, "state_dict": model.state_dict(), "best_acc1": best_acc1,
                         "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()},
                        is_best, args.ckpt_dir)


if __name__ == "__main__":
    main()
