# expect: TVL007
# style: research repo with argparse; build_scheduler factory and a Trainer that steps it in train_step; ECG time-series classification
# bug: build_scheduler() sets CosineAnnealingLR(T_max=args.epochs) but Trainer.train_step steps it after every batch, so the cosine period is a few batches long and the LR oscillates throughout training.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ecg")


class ECGNet(nn.Module):
    def __init__(self, n_leads=12, n_classes=5):
        super().__init__()
        chans = [n_leads, 32, 64, 128, 128]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv1d(a, b, 7, padding=3), nn.BatchNorm1d(b), nn.ReLU(), nn.MaxPool1d(2)]
        self.body = nn.Sequential(*layers)
        self.fc = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.fc(self.body(x).mean(-1))


def build_optimizer(args, model):
    return torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=args.wd)


def build_scheduler(args, optimizer):
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs, eta_min=1e-5)


class Trainer:
    def __init__(self, args, model):
        self.args = args
        self.model = model
        self.optimizer = build_optimizer(args, model)
        self.scheduler = build_scheduler(args, self.optimizer)
        self.step = 0

    def train_step(self, x, y):
        logits = self.model(x)
        loss = F.cross_entropy(logits, y)
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return loss.item()

    @torch.no_grad()
    def evaluate(self, loader):
        self.model.eval()
        correct = total = 0
        for x, y in loader:
            correct += (self.model(x).argmax(-1) == y).sum().item()
            total += y.numel()
        self.model.train()
        return correct / total

    def fit(self, train_dl, val_dl):
        self.model.train()
        for epoch in range(self.args.epochs):
            losses = [self.train_step(x, y) for x, y in train_dl]
            acc = self.evaluate(val_dl)
            logger.info("epoch %d loss %.4f acc %.4f lr %.2e", epoch, sum(losses) / len(losses), acc,
                        self.optimizer.param_groups[0]["lr"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--wd", type=float, default=5e-4)
    ap.add_argument("--bs", type=int, default=64)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    tr = TensorDataset(torch.randn(3000, 12, 1000), torch.randint(0, 5, (3000,)))
    va = TensorDataset(torch.randn(600, 12, 1000), torch.randint(0, 5, (600,)))
    trainer = Trainer(args, ECGNet())
    trainer.fit(DataLoader(tr, batch_size=args.bs, shuffle=True), DataLoader(va, batch_size=256))


if __name__ == "__main__":
    main()
