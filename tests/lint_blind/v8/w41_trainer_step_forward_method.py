# expect: TVL013
# style: Trainer class with pluggable model wrapper, time-series classification with a TCN and weight-norm/spectral hooks
# bug: Trainer._shared_step calls self.model.forward(x) instead of self.model(x), bypassing __call__ and with it the spectral_norm pre-forward hooks that renormalise the weights
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("tcn")


class TemporalBlock(nn.Module):
    def __init__(self, cin, cout, k, dilation, dropout=0.2):
        super().__init__()
        pad = (k - 1) * dilation
        self.conv1 = nn.utils.spectral_norm(nn.Conv1d(cin, cout, k, padding=pad, dilation=dilation))
        self.conv2 = nn.utils.spectral_norm(nn.Conv1d(cout, cout, k, padding=pad, dilation=dilation))
        self.chomp = pad
        self.drop = nn.Dropout(dropout)
        self.down = nn.Conv1d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x):
        out = self.drop(F.relu(self.conv1(x)[..., :-self.chomp]))
        out = self.drop(F.relu(self.conv2(out)[..., :-self.chomp]))
        return F.relu(out + self.down(x))


class TCN(nn.Module):
    def __init__(self, n_in, n_classes, channels=(32, 32, 64, 64), k=3):
        super().__init__()
        layers, prev = [], n_in
        for i, c in enumerate(channels):
            layers.append(TemporalBlock(prev, c, k, 2 ** i))
            prev = c
        self.net = nn.Sequential(*layers)
        self.fc = nn.Linear(prev, n_classes)

    def forward(self, x):
        return self.fc(self.net(x)[..., -1])


class Trainer:
    def __init__(self, model, optimizer, scheduler=None, device="cpu", grad_clip=1.0):
        self.model = model.to(device)
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.device = device
        self.grad_clip = grad_clip

    def _shared_step(self, batch):
        x, y = batch
        x, y = x.to(self.device), y.to(self.device)
        logits = self.model.forward(x)
        return F.cross_entropy(logits, y), logits, y

    def train_epoch(self, loader):
        self.model.train()
        losses = []
        for batch in loader:
            self.optimizer.zero_grad()
            loss, _, _ = self._shared_step(batch)
            loss.backward()
            nn.utils.clip_grad_norm_(self.model.parameters(), self.grad_clip)
            self.optimizer.step()
            losses.append(loss.item())
        if self.scheduler is not None:
            self.scheduler.step()
        return sum(losses) / len(losses)

    @torch.no_grad()
    def eval_epoch(self, loader):
        self.model.eval()
        correct = total = 0
        for x, y in loader:
            pred = self.model(x.to(self.device)).argmax(-1).cpu()
            correct += (pred == y).sum().item()
            total += y.numel()
        return correct / total


def synthetic_har(n, channels=9, length=128, classes=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    t = torch.linspace(0, 1, length)
    x = torch.sin(2 * torch.pi * (y[:, None, None] + 1) * t) + 0.3 * torch.randn(n, channels, length, generator=g)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=2e-3)
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"
    xtr, ytr = synthetic_har(7000)
    xte, yte = synthetic_har(2000, seed=4)
    train_loader = DataLoader(TensorDataset(xtr, ytr), batch_size=64, shuffle=True)
    test_loader = DataLoader(TensorDataset(xte, yte), batch_size=256)
    model = TCN(9, 6)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.93)
    trainer = Trainer(model, opt, sched, device)
    for epoch in range(args.epochs):
        tl = trainer.train_epoch(train_loader)
        acc = trainer.eval_epoch(test_loader)
        log.info("epoch %02d loss %.4f test_acc %.4f lr %.2e", epoch, tl, acc, opt.param_groups[0]["lr"])
    torch.save(model.state_dict(), "tcn_har.pt")


if __name__ == "__main__":
    main()
