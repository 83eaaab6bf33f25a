# expect: TVL007
# style: fastai-like fit_one_cycle written by hand, audio genre classification on mel spectrograms
# bug: inside the batch loop scheduler.step() is called before optimizer.step(), so the first LR value of the one-cycle schedule is skipped and PyTorch warns about the order
import argparse
import csv
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

GENRES = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]


class ConvBNReLU(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout),
                         nn.ReLU(inplace=True), nn.MaxPool2d(2))


class GenreCNN(nn.Module):
    def __init__(self, n_classes=len(GENRES)):
        super().__init__()
        self.body = nn.Sequential(ConvBNReLU(1, 32), ConvBNReLU(32, 64), ConvBNReLU(64, 128), ConvBNReLU(128, 128))
        self.pool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Sequential(nn.Flatten(), nn.Dropout(0.4), nn.Linear(128, n_classes))

    def forward(self, x):
        return self.fc(self.pool(self.body(x)))


def spec_augment(x, max_f=12, max_t=24):
    x = x.clone()
    for b in range(x.size(0)):
        f0 = torch.randint(0, x.size(2) - max_f, (1,)).item()
        t0 = torch.randint(0, x.size(3) - max_t, (1,)).item()
        x[b, :, f0:f0 + torch.randint(0, max_f, (1,)).item()] = 0
        x[b, :, :, t0:t0 + torch.randint(0, max_t, (1,)).item()] = 0
    return x


class CSVLogger:
    def __init__(self, path, fields):
        self.path, self.fields = path, fields
        with open(path, "w", newline="") as f:
            csv.writer(f).writerow(fields)

    def log(self, **row):
        with open(self.path, "a", newline="") as f:
            csv.writer(f).writerow([row.get(k, "") for k in self.fields])


def per_class_accuracy(preds, targets, n_classes=len(GENRES)):
    acc = {}
    for c in range(n_classes):
        m = targets == c
        if m.any():
            acc[GENRES[c]] = (preds[m] == c).float().mean().item()
    return acc


def fit_one_cycle(model, train_dl, valid_dl, epochs, max_lr, device, logger=None):
    opt = torch.optim.AdamW(model.parameters(), lr=max_lr / 25, weight_decay=1e-2)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, epochs=epochs,
                                                steps_per_epoch=len(train_dl), pct_start=0.25)
    for epoch in range(epochs):
        model.train()
        t0, tl = time.time(), 0.0
        for xb, yb in train_dl:
            xb, yb = spec_augment(xb).to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            sched.step()
            opt.step()
            tl += loss.item()
        model.eval()
        vl, correct, n = 0.0, 0, 0
        all_p, all_t = [], []
        with torch.no_grad():
            for xb, yb in valid_dl:
                xb, yb = xb.to(device), yb.to(device)
                out = model(xb)
                vl += F.cross_entropy(out, yb, reduction="sum").item()
                correct += (out.argmax(1) == yb).sum().item()
                n += yb.numel()
                all_p.append(out.argmax(1).cpu())
                all_t.append(yb.cpu())
        if logger is not None:
            logger.log(epoch=epoch, train_loss=tl / len(train_dl), valid_loss=vl / n, accuracy=correct / n,
                       lr=opt.param_groups[0]["lr"])
        if epoch == epochs - 1:
            for g, a in per_class_accuracy(torch.cat(all_p), torch.cat(all_t)).items():
                print(f"  {g:<10} {a:.3f}")
        print(f"{epoch:<6}{tl / len(train_dl):<12.4f}{vl / n:<12.4f}{correct / n:<10.4f}{time.time() - t0:.0f}s")
    return model


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--max-lr", type=float, default=3e-3)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--log-dir", default="logs")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    mels = torch.randn(1000, 1, 128, 256)
    labels = torch.randint(0, len(GENRES), (1000,))
    train_dl = DataLoader(TensorDataset(mels[:800], labels[:800]), batch_size=args.bs, shuffle=True)
    valid_dl = DataLoader(TensorDataset(mels[800:], labels[800:]), batch_size=64)
    print(f"{'epoch':<6}{'train_loss':<12}{'valid_loss':<12}{'accuracy':<10}time")
    os.makedirs(args.log_dir, exist_ok=True)
    logger = CSVLogger(os.path.join(args.log_dir, "history.csv"), ["epoch", "train_loss", "valid_loss", "accuracy", "lr"])
    model = fit_one_cycle(GenreCNN().to(device), train_dl, valid_dl, args.epochs, args.max_lr, device, logger)
    torch.save(model.state_dict(), "genre_cnn.pth")


if __name__ == "__main__":
    main()
