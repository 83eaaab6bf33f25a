# expect: TVL012
# style: research repo with an AverageMeter utility (ImageNet-example style), metric learning with triplet loss
# bug: train() calls losses.update(loss, n) with the loss tensor, and AverageMeter.update does self.sum += val * n, so the meter holds a running tensor that chains every iteration's graph
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=":f"):
        self.name = name
        self.fmt = fmt
        self.reset()

    def reset(self):
        self.val = 0
        self.avg = 0
        self.sum = 0
        self.count = 0

    def update(self, val, n=1):
        self.val = val
        self.sum += val * n
        self.count += n
        self.avg = self.sum / self.count

    def __str__(self):
        return f"{self.name} {float(self.val):.4f} ({float(self.avg):.4f})"


class TripletSet(Dataset):
    def __init__(self, n, n_ids=200, dim=128):
        self.centers = torch.randn(n_ids, dim)
        self.ids = torch.randint(0, n_ids, (n,))
        self.n_ids = n_ids

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        a = self.ids[i]
        neg = (a + torch.randint(1, self.n_ids, (1,)).item()) % self.n_ids
        jitter = lambda c: self.centers[c] + 0.3 * torch.randn_like(self.centers[c])
        return jitter(a), jitter(a), jitter(neg)


class EmbeddingNet(nn.Module):
    def __init__(self, dim_in=128, dim_out=64):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(dim_in, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, dim_out))

    def forward(self, x):
        return F.normalize(self.net(x), dim=-1)


def train(loader, model, criterion, optimizer, epoch, print_freq):
    batch_time = AverageMeter("Time", ":6.3f")
    losses = AverageMeter("Loss", ":.4e")
    model.train()
    end = time.time()
    for i, (anc, pos, neg) in enumerate(loader):
        loss = criterion(model(anc), model(pos), model(neg))
        losses.update(loss, anc.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        batch_time.update(time.time() - end)
        end = time.time()
        if i % print_freq == 0:
            print(f"Epoch [{epoch}][{i}/{len(loader)}]  {batch_time}  {losses}")
    return losses.avg


@torch.no_grad()
def validate(loader, model):
    model.eval()
    hits = total = 0
    for anc, pos, neg in loader:
        a, p, n = model(anc), model(pos), model(neg)
        hits += ((a * p).sum(-1) > (a * n).sum(-1)).sum().item()
        total += anc.size(0)
    return hits / total


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", default=20, type=int)
    parser.add_argument("--lr", default=0.05, type=float)
    parser.add_argument("--margin", default=0.2, type=float)
    parser.add_argument("-p", "--print-freq", default=20, type=int)
    args = parser.parse_args()

    model = EmbeddingNet()
    criterion = nn.TripletMarginLoss(margin=args.margin)
    optimizer = torch.optim.SGD(model.parameters(), args.lr, momentum=0.9, weight_decay=1e-4)
    train_loader = DataLoader(TripletSet(20000), batch_size=128, shuffle=True, num_workers=2)
    val_loader = DataLoader(TripletSet(2000), batch_size=256, shuffle=False)

    for epoch in range(args.epochs):
        avg = train(train_loader, model, criterion, optimizer, epoch, args.print_freq)
        acc = validate(val_loader, model)
        print(f" * epoch {epoch} loss {float(avg):.4f} triplet acc {acc:.4f}")
        torch.save({"epoch": epoch + 1, "state_dict": model.state_dict()}, "checkpoint.pth.tar")


if __name__ == "__main__":
    main()
