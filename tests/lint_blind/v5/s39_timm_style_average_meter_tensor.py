# expect: TVL012
# style: timm train.py-style train_one_epoch with AverageMeter and a model/optimizer factory
# bug: losses_m.update(loss, input.size(0)) passes the loss tensor, so AverageMeter.sum accumulates a graph-carrying tensor across the whole epoch
import argparse
import time
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    def __init__(self):
        self.reset()

    def reset(self):
        self.val = self.avg = self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count


def create_model(name, num_classes):
    widths = {"mixer_tiny": 128, "mixer_small": 256}[name]
    return nn.Sequential(nn.Conv2d(3, widths, 8, 8), nn.Flatten(2), nn.LayerNorm(16),
                         nn.Linear(16, 16), nn.GELU(), nn.Flatten(1), nn.Linear(widths * 16, num_classes))


def create_optimizer(model, opt, lr, weight_decay):
    if opt == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, weight_decay=weight_decay, nesterov=True)


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, log_interval=50):
    batch_time_m, losses_m = AverageMeter(), AverageMeter()
    model.train()
    end = time.time()
    for batch_idx, (input, target) in enumerate(loader):
        output = model(input)
        loss = loss_fn(output, target)
        losses_m.update(loss, input.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time_m.update(time.time() - end)
        end = time.time()
        if batch_idx % log_interval == 0:
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {float(losses_m.avg):.4f} "
                  f"Time: {batch_time_m.avg:.3f}s")
    return {"loss": float(losses_m.avg)}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mixer_tiny")
    p.add_argument("--opt", default="adamw")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--weight-decay", type=float, default=0.05)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--smoothing", type=float, default=0.1)
    args = p.parse_args()
    model = create_model(args.model, 100)
    optimizer = create_optimizer(model, args.opt, args.lr, args.weight_decay)
    loader = DataLoader(TensorDataset(torch.randn(4096, 3, 32, 32), torch.randint(0, 100, (4096,))),
                        batch_size=128, shuffle=True, drop_last=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=args.smoothing)
    for epoch in range(args.epochs):
        metrics = train_one_epoch(epoch, model, loader, optimizer, loss_fn)
        print(f"epoch {epoch} done: {metrics}")


if __name__ == "__main__":
    main()
