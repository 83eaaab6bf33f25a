# expect: TVL013
# style: accelerate-like hand-written loop with a tiny model wrapper (DDP stand-in), time-series classification (ECG)
# bug: forward_pass() calls wrapped.forward(batch) instead of wrapped(batch); for the training wrapper this skips __call__ (and with DDP, the gradient-sync hooks)
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("ecg")


class ECGNet(nn.Module):
    def __init__(self, n_leads=12, n_classes=5):
        super().__init__()
        chans = [n_leads, 32, 64, 128, 128]
        blocks = []
        for a, b in zip(chans[:-1], chans[1:]):
            blocks += [nn.Conv1d(a, b, 7, padding=3), nn.BatchNorm1d(b), nn.ReLU(), nn.MaxPool1d(2)]
        self.features = nn.Sequential(*blocks)
        self.classifier = nn.Linear(128, n_classes)

    def forward(self, x):
        return self.classifier(self.features(x).mean(-1))


class Accelerator:
    """Just enough of accelerate's surface for single-device runs."""

    def __init__(self, device=None):
        self.device = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
        self.is_main_process = int(os.environ.get("RANK", "0")) == 0

    def prepare(self, model, optimizer, *loaders):
        model = model.to(self.device)
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            model = nn.parallel.DistributedDataParallel(model)
        return (model, optimizer, *loaders)

    def backward(self, loss):
        loss.backward()

    def print(self, *a):
        if self.is_main_process:
            print(*a)


def forward_pass(wrapped, batch, device):
    signals, labels = batch
    logits = wrapped.forward(signals.to(device))
    return logits, labels.to(device)


def train(args):
    accel = Accelerator()
    model = ECGNet()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    train_ds = TensorDataset(torch.randn(6000, 12, 1000), torch.randint(0, 5, (6000,)))
    val_ds = TensorDataset(torch.randn(800, 12, 1000), torch.randint(0, 5, (800,)))
    train_dl = DataLoader(train_ds, batch_size=args.bs, shuffle=True, num_workers=2)
    val_dl = DataLoader(val_ds, batch_size=256, shuffle=False)
    model, opt, train_dl, val_dl = accel.prepare(model, opt, train_dl, val_dl)

    for epoch in range(args.epochs):
        model.train()
        seen, acc_loss = 0, 0.0
        for batch in train_dl:
            logits, labels = forward_pass(model, batch, accel.device)
            loss = F.cross_entropy(logits, labels)
            opt.zero_grad()
            accel.backward(loss)
            opt.step()
            acc_loss += loss.item() * labels.size(0)
            seen += labels.size(0)

        model.eval()
        conf = torch.zeros(5, 5, dtype=torch.long)
        with torch.no_grad():
            for signals, labels in val_dl:
                pred = model(signals.to(accel.device)).argmax(-1).cpu()
                for t, p in zip(labels, pred):
                    conf[t, p] += 1
        f1 = []
        for c in range(5):
            tp = conf[c, c].item()
            prec = tp / max(conf[:, c].sum().item(), 1)
            rec = tp / max(conf[c].sum().item(), 1)
            f1.append(2 * prec * rec / max(prec + rec, 1e-9))
        accel.print(f"epoch {epoch} loss {acc_loss / seen:.4f} macro-F1 {sum(f1) / 5:.4f}")
        if accel.is_main_process:
            torch.save(model.state_dict(), os.path.join(args.out, "ecgnet.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--out", default=".")
    train(ap.parse_args())
