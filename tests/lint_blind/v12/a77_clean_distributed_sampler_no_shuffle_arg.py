# expect: clean
# style: DDP training script (torchrun) for image classification; train loader built with DistributedSampler and no shuffle argument
# note: the training DataLoader has no shuffle=True, but it gets a DistributedSampler (shuffle=True by default) and sampler.set_epoch(epoch) is called every epoch
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data.distributed import DistributedSampler


def setup():
    if "RANK" in os.environ:
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
    else:
        rank, world = 0, 1
    return rank, world


def build_model(n_classes=1000):
    return nn.Sequential(
        nn.Conv2d(3, 64, 7, 2, 3), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
        nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, n_classes),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=90)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    rank, world = setup()
    device = torch.device(f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}" if torch.cuda.is_available() else "cpu")

    train_ds = TensorDataset(torch.randn(8000, 3, 112, 112), torch.randint(0, 1000, (8000,)))
    val_ds = TensorDataset(torch.randn(1000, 3, 112, 112), torch.randint(0, 1000, (1000,)))
    train_sampler = DistributedSampler(train_ds, num_replicas=world, rank=rank)
    train_loader = DataLoader(train_ds, batch_size=args.batch_size, sampler=train_sampler, num_workers=4,
                              pin_memory=True, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256, shuffle=False, num_workers=2)

    model = build_model().to(device)
    if world > 1:
        model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    lr = args.lr * args.batch_size * world / 256
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[30, 60, 80], gamma=0.1)

    for epoch in range(args.epochs):
        train_sampler.set_epoch(epoch)
        model.train()
        running = torch.zeros(2, device=device)
        for images, target in train_loader:
            images, target = images.to(device, non_blocking=True), target.to(device, non_blocking=True)
            output = model(images)
            loss = F.cross_entropy(output, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            running += torch.stack([loss.detach() * images.size(0), torch.tensor(float(images.size(0)), device=device)])
        scheduler.step()
        if world > 1:
            dist.all_reduce(running)

        if rank == 0:
            model.eval()
            correct = 0
            with torch.no_grad():
                for images, target in val_loader:
                    correct += (model(images.to(device)).argmax(1).cpu() == target).sum().item()
            print(f"epoch {epoch} loss {(running[0] / running[1]).item():.4f} top1 {correct / len(val_ds):.4f}")
            torch.save({"model": (model.module if world > 1 else model).state_dict(), "epoch": epoch}, "ddp_ckpt.pth")
    if world > 1:
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
