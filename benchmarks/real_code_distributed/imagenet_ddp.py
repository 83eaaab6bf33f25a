# real: source=https://github.com/pytorch/examples/blob/main/imagenet/main.py
# real: args=
# real: bug=eval-left-on expect=training-in-eval-mode
# real: bug=fc-replaced-after-optimizer expect=unoptimized-parameters
# real: bug=resume-rank0-after-wrap expect=ranks-out-of-sync
"""pytorch/examples ImageNet, its multiprocessing-distributed path: a conv net with BatchNorm
(models.__dict__[arch]() there) wrapped in DistributedDataParallel, CrossEntropyLoss, SGD(lr,
momentum=0.9, weight_decay=1e-4), StepLR, a DistributedSampler for train (set_epoch(epoch) each
epoch) and for val (shuffle=False, drop_last=True), train() with model.train(), AverageMeter and
ProgressMeter, accuracy(output, target, topk=(1, 5)), validate() with model.eval() under
torch.no_grad(), all-reduced meters, and save_checkpoint({epoch, arch, state_dict, best_acc1,
optimizer, scheduler}, is_best) on rank 0; --resume loads a checkpoint on every rank after
wrapping (map_location).
Changed: gloo on CPU, torchrun's environment instead of mp.spawn, synthetic 3x16x16 images of
10 classes (a class-dependent colour and stripe pattern plus noise) instead of ImageFolder; a
small ResNet-like net (conv-BN-ReLU stem, two residual blocks, avgpool, fc); 3 epochs of 48
iterations per rank; print_freq 20; a temporary checkpoint folder.
Bugs: eval-left-on (train() does not call model.train(), so after the first validate() the
BatchNorm layers stay in eval mode), fc-replaced-after-optimizer (a fine-tuning edit,
model.fc = nn.Linear(...), made after the optimizer was built and before DDP wraps the model),
resume-rank0-after-wrap (the resume guarded by `if args.rank == 0`)."""

import argparse
import os
import shutil
import tempfile
import time
from enum import Enum

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler

torch.set_num_threads(1)
BUGS = ["", "eval-left-on", "fc-replaced-after-optimizer", "resume-rank0-after-wrap"]

parser = argparse.ArgumentParser(description="PyTorch ImageNet Training")
parser.add_argument("--epochs", default=3, type=int)
parser.add_argument("-b", "--batch-size", default=32, type=int, help="total over all ranks")
parser.add_argument("--lr", default=0.05, type=float)
parser.add_argument("--momentum", default=0.9, type=float)
parser.add_argument("--wd", "--weight-decay", default=1e-4, type=float, dest="weight_decay")
parser.add_argument("-p", "--print-freq", default=20, type=int)
parser.add_argument("--seed", default=0, type=int)
parser.add_argument("--bug", default="", choices=BUGS)
best_acc1 = 0


class BasicBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv1 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c)
        self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(x + self.bn2(self.conv2(out)))


class SmallResNet(nn.Module):
    def __init__(self, num_classes=10, width=16):
        super().__init__()
        self.conv1 = nn.Conv2d(3, width, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = BasicBlock(width)
        self.layer2 = BasicBlock(width)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.max_pool2d(self.layer1(x), 2)
        x = self.layer2(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def synthetic_images(n, num_classes=10, size=16, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, num_classes, (n,), generator=g)
    colours = torch.rand(num_classes, 3, 1, 1, generator=torch.Generator().manual_seed(123))
    xs = torch.arange(size).float()
    freq = (1 + y % 5).float()[:, None, None, None]
    stripes = torch.sin(xs[None, None, None, :] * freq * 0.6)
    x = colours[y] + 0.5 * stripes + 0.8 * torch.randn(n, 3, size, size, generator=g)
    return TensorDataset((x - 0.5) / 0.5, y)


def main():
    global best_acc1
    args = parser.parse_args()
    dist.init_process_group(backend="gloo")
    args.rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(args.seed + args.rank)  # each rank its own init; DDP broadcasts rank 0's

    model = SmallResNet(num_classes=10)
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=args.momentum,
                                weight_decay=args.weight_decay)
    if args.bug == "fc-replaced-after-optimizer":
        model.fc = nn.Linear(model.fc.in_features, 10)  # the bug: the optimizer holds the old fc
    args.batch_size = args.batch_size // world
    model = nn.parallel.DistributedDataParallel(model)
    scheduler = StepLR(optimizer, step_size=2, gamma=0.1)

    ckpt_dir = [tempfile.mkdtemp(prefix="imagenet-ddp-") if args.rank == 0 else None]
    dist.broadcast_object_list(ckpt_dir, src=0)
    ckpt_dir = ckpt_dir[0]
    args.start_epoch = 0
    if args.bug == "resume-rank0-after-wrap":
        # a job restarted from an earlier run's checkpoint (written here by rank 0 first)
        if args.rank == 0:
            torch.manual_seed(99)
            earlier = SmallResNet(num_classes=10)
            torch.save({"epoch": 1, "arch": "smallresnet", "state_dict": {"module." + k: v for k, v in earlier.state_dict().items()},
                        "best_acc1": 0.0}, os.path.join(ckpt_dir, "checkpoint.pth.tar"))
        dist.barrier()
        if args.rank == 0:  # the bug: the published code resumes on every rank
            checkpoint = torch.load(os.path.join(ckpt_dir, "checkpoint.pth.tar"), map_location="cpu")
            model.load_state_dict(checkpoint["state_dict"])
        args.start_epoch = 1

    train_dataset = synthetic_images(1536, seed=1)
    val_dataset = synthetic_images(512, seed=2)
    train_sampler = DistributedSampler(train_dataset)
    val_sampler = DistributedSampler(val_dataset, shuffle=False, drop_last=True)
    train_loader = DataLoader(train_dataset, batch_size=args.batch_size, shuffle=False,
                              sampler=train_sampler)
    val_loader = DataLoader(val_dataset, batch_size=args.batch_size, shuffle=False, sampler=val_sampler)

    for epoch in range(args.start_epoch, args.epochs + args.start_epoch):
        train_sampler.set_epoch(epoch)
        train(train_loader, model, criterion, optimizer, epoch, args)
        acc1 = validate(val_loader, model, criterion, args)
        scheduler.step()
        is_best = acc1 > best_acc1
        best_acc1 = max(acc1, best_acc1)
        if args.rank == 0:
            save_checkpoint({"epoch": epoch + 1, "arch": "smallresnet", "state_dict": model.state_dict(),
                             "best_acc1": best_acc1, "optimizer": optimizer.state_dict(),
                             "scheduler": scheduler.state_dict()}, is_best, ckpt_dir)
    dist.barrier()
    if args.rank == 0:
        shutil.rmtree(ckpt_dir, ignore_errors=True)
    dist.destroy_process_group()


def train(train_loader, model, criterion, optimizer, epoch, args):
    batch_time = AverageMeter("Time", ":6.3f")
    losses = AverageMeter("Loss", ":.4e")
    top1 = AverageMeter("Acc@1", ":6.2f")
    top5 = AverageMeter("Acc@5", ":6.2f")
    progress = ProgressMeter(len(train_loader), [batch_time, losses, top1, top5], prefix=f"Epoch: [{epoch}]")
    if args.bug != "eval-left-on":
        model.train()
    end = time.time()
    for i, (images, target) in enumerate(train_loader):
        output = model(images)
        loss = criterion(output, target)
        acc1, acc5 = accuracy(output, target, topk=(1, 5))
        losses.update(loss.item(), images.size(0))
        top1.update(acc1[0], images.size(0))
        top5.update(acc5[0], images.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time.update(time.time() - end)
        end = time.time()
        if i % args.print_freq == 0 and args.rank == 0:
            progress.display(i + 1)


def validate(val_loader, model, criterion, args):
    losses = AverageMeter("Loss", ":.4e", Summary.NONE)
    top1 = AverageMeter("Acc@1", ":6.2f", Summary.AVERAGE)
    top5 = AverageMeter("Acc@5", ":6.2f", Summary.AVERAGE)
    model.eval()
    with torch.no_grad():
        for images, target in val_loader:
            output = model(images)
            loss = criterion(output, target)
            acc1, acc5 = accuracy(output, target, topk=(1, 5))
            losses.update(loss.item(), images.size(0))
            top1.update(acc1[0], images.size(0))
            top5.update(acc5[0], images.size(0))
    top1.all_reduce()
    top5.all_reduce()
    if args.rank == 0:
        print(f" * Acc@1 {top1.avg:.3f} Acc@5 {top5.avg:.3f}")
    return top1.avg


def save_checkpoint(state, is_best, folder, filename="checkpoint.pth.tar"):
    torch.save(state, os.path.join(folder, filename))
    if is_best:
        shutil.copyfile(os.path.join(folder, filename), os.path.join(folder, "model_best.pth.tar"))


class Summary(Enum):
    NONE = 0
    AVERAGE = 1


class AverageMeter:
    def __init__(self, name, fmt=":f", summary_type=Summary.AVERAGE):
        self.name, self.fmt, self.summary_type = name, fmt, summary_type
        self.val = self.avg = self.sum = self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def all_reduce(self):
        total = torch.tensor([float(self.sum), float(self.count)], dtype=torch.float32)
        dist.all_reduce(total, dist.ReduceOp.SUM, async_op=False)
        self.sum, self.count = total.tolist()
        self.avg = self.sum / self.count

    def __str__(self):
        fmtstr = "{name} {val" + self.fmt + "} ({avg" + self.fmt + "})"
        return fmtstr.format(**self.__dict__)


class ProgressMeter:
    def __init__(self, num_batches, meters, prefix=""):
        self.num_batches, self.meters, self.prefix = num_batches, meters, prefix

    def display(self, batch):
        print("\t".join([self.prefix + f"[{batch}/{self.num_batches}]"] + [str(m) for m in self.meters]))


def accuracy(output, target, topk=(1,)):
    with torch.no_grad():
        maxk = max(topk)
        _, pred = output.topk(maxk, 1, True, True)
        correct = pred.t().eq(target.view(1, -1).expand_as(pred.t()))
        return [correct[:k].reshape(-1).float().sum(0, keepdim=True).mul_(100.0 / target.size(0)) for k in topk]


if __name__ == "__main__":
    main()
