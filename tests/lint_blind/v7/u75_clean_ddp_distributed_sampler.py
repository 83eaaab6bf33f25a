# expect: clean
# style: torchrun/DDP training script with DistributedSampler and set_epoch, ImageNet-style classification
# note: the training DataLoader has no shuffle=True, which looks like TVL015, but it is given a DistributedSampler (shuffle=True by default) and sampler.set_epoch(epoch) is called every epoch. The epoch loss is summed as loss.detach() (no graph kept).
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
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:29512", rank=0, world_size=1)
        rank, world = 0, 1
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}" if torch.cuda.is_available() else "cpu")
    return rank, world, device


class ConvNet(nn.Module):
    def __init__(self, n_classes=100):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
            nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=64, help="per-GPU batch size")
    ap.add_argument("--lr", type=float, default=0.1)
    args = ap.parse_args()
    rank, world, device = setup()

    train_set = TensorDataset(torch.randn(4000, 3, 112, 112), torch.randint(0, 100, (4000,)))
    sampler = DistributedSampler(train_set, num_replicas=world, rank=rank, drop_last=True)
    loader = DataLoader(train_set, batch_size=args.bs, sampler=sampler, num_workers=4, pin_memory=True)

    model = nn.SyncBatchNorm.convert_sync_batchnorm(ConvNet()).to(device)
    model = DDP(model, device_ids=[device.index] if device.type == "cuda" else None)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr * world, momentum=0.9, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[10, 20, 25], gamma=0.1)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        loss_sum = torch.zeros((), device=device)
        for x, y in loader:
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
        sched.step()
        dist.all_reduce(loss_sum)
        if rank == 0:
            print(f"epoch {epoch} mean loss {loss_sum.item() / (world * len(loader)):.4f} lr {sched.get_last_lr()[0]:.4f}")
            torch.save(model.module.state_dict(), "ddp_last.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
