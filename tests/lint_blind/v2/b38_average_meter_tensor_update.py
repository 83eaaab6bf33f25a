# expect: TVL012
# style: pytorch/examples-ImageNet-derived AverageMeter used in a sentence-pair (NLI) trainer
# bug: losses.update(loss, n) passes the loss tensor, and AverageMeter.update does self.sum += val * n, keeping every batch's graph alive
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AverageMeter:
    """Computes and stores the average and current value"""

    def __init__(self, name, fmt=":f"):
        self.name, self.fmt = name, fmt
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


class NLIModel(nn.Module):
    def __init__(self, vocab=15000, d=200, n_cls=3):
        super().__init__()
        self.emb = nn.EmbeddingBag(vocab, d)
        self.mlp = nn.Sequential(nn.Linear(4 * d, 300), nn.ReLU(), nn.Linear(300, n_cls))

    def forward(self, prem, hyp):
        u, v = self.emb(prem), self.emb(hyp)
        return self.mlp(torch.cat([u, v, (u - v).abs(), u * v], dim=-1))


def train(loader, model, optimizer, epoch, print_freq=10):
    losses = AverageMeter("Loss", ":.4e")
    model.train()
    for i, (prem, hyp, label) in enumerate(loader):
        output = model(prem, hyp)
        loss = F.cross_entropy(output, label)
        losses.update(loss, prem.size(0))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if i % print_freq == 0:
            print(f"Epoch: [{epoch}][{i}/{len(loader)}]\tLoss {float(losses.avg):.4f}")


def main():
    parser = argparse.ArgumentParser(description="InferSent-style NLI training")
    parser.add_argument("--epochs", default=5, type=int)
    parser.add_argument("--lr", default=0.1, type=float)
    parser.add_argument("-b", "--batch-size", default=64, type=int)
    args = parser.parse_args()
    ds = TensorDataset(torch.randint(0, 15000, (1280, 20)), torch.randint(0, 15000, (1280, 12)),
                       torch.randint(0, 3, (1280,)))
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = NLIModel()
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        train(loader, model, optimizer, epoch)


if __name__ == "__main__":
    main()
