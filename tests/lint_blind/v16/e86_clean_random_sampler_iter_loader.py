# expect: clean
# style: iteration-based training (detectron2-like) with a builder that uses a RandomSampler / DistributedSampler, video action recognition
# note: build_train_loader passes no shuffle flag, but it always supplies a sampler (RandomSampler, or DistributedSampler with set_epoch when distributed), which randomises the order
import logging
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, DistributedSampler, RandomSampler, TensorDataset

logger = logging.getLogger("action")


def is_dist():
    return dist.is_available() and dist.is_initialized()


def build_train_loader(dataset, batch_size, num_workers=4):
    if is_dist():
        sampler = DistributedSampler(dataset, shuffle=True)
    else:
        sampler = RandomSampler(dataset)
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=num_workers,
                      drop_last=True, pin_memory=True), sampler


def build_test_loader(dataset, batch_size):
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=2)


class C3D(nn.Module):
    def __init__(self, n_classes=51):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv3d(3, 32, 3, padding=1), nn.BatchNorm3d(32), nn.ReLU(), nn.MaxPool3d((1, 2, 2)),
            nn.Conv3d(32, 64, 3, padding=1), nn.BatchNorm3d(64), nn.ReLU(), nn.MaxPool3d(2),
            nn.Conv3d(64, 128, 3, padding=1), nn.BatchNorm3d(128), nn.ReLU(), nn.AdaptiveAvgPool3d(1))
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.fc(self.net(x).flatten(1))


def do_train(max_iter=3000, eval_period=500, out_dir="action_out"):
    os.makedirs(out_dir, exist_ok=True)
    clips, labels = torch.randn(1200, 3, 8, 56, 56), torch.randint(0, 51, (1200,))
    train_loader, sampler = build_train_loader(TensorDataset(clips[:1000], labels[:1000]), batch_size=16)
    test_loader = build_test_loader(TensorDataset(clips[1000:], labels[1000:]), batch_size=32)
    model = C3D()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=5e-4)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[2000, 2600], gamma=0.1)  # iteration milestones
    it, epoch = 0, 0
    model.train()
    while it < max_iter:
        if isinstance(sampler, DistributedSampler):
            sampler.set_epoch(epoch)
        for x, y in train_loader:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            it += 1
            if it % 50 == 0:
                logger.info("iter %d loss %.4f lr %.5f", it, loss.item(), opt.param_groups[0]["lr"])
            if it % eval_period == 0:
                model.eval()
                with torch.no_grad():
                    acc = sum((model(xb).argmax(1) == yb).sum().item() for xb, yb in test_loader) / 200
                model.train()
                logger.info("iter %d top1 %.4f", it, acc)
                torch.save(model.state_dict(), os.path.join(out_dir, f"model_{it:06d}.pth"))
            if it >= max_iter:
                break
        epoch += 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    do_train()
