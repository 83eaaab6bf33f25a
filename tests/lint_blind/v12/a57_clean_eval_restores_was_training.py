# expect: clean
# style: research repo with an evaluate() utility that saves and restores the module's mode, speech command recognition
# note: evaluate() is called inside the epoch loop and switches to eval() without an explicit model.train() in the loop, but it restores the previous mode with model.train(was_training) before returning
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("kws")


class DSCNN(nn.Module):
    def __init__(self, n_classes=35, c=64):
        super().__init__()
        layers = [nn.Conv2d(1, c, (10, 4), (2, 2), (5, 1)), nn.BatchNorm2d(c), nn.ReLU()]
        for _ in range(4):
            layers += [nn.Conv2d(c, c, 3, padding=1, groups=c), nn.BatchNorm2d(c), nn.ReLU(),
                       nn.Conv2d(c, c, 1), nn.BatchNorm2d(c), nn.ReLU()]
        self.body = nn.Sequential(*layers)
        self.drop = nn.Dropout(0.2)
        self.fc = nn.Linear(c, n_classes)

    def forward(self, x):
        return self.fc(self.drop(self.body(x).mean((2, 3))))


@torch.no_grad()
def evaluate(model, loader, device):
    was_training = model.training
    model.eval()
    correct = total = 0
    loss = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        out = model(x)
        loss += F.cross_entropy(out, y, reduction="sum").item()
        correct += (out.argmax(1) == y).sum().item()
        total += y.numel()
    model.train(was_training)
    return loss / total, correct / total


def train_one_epoch(model, loader, opt, device):
    running = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y, label_smoothing=0.05)
        loss.backward()
        opt.step()
        running += loss.item()
    return running / len(loader)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--save-dir", default="ckpt_kws")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(args.save_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"

    model = DSCNN().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=15, gamma=0.1)
    train_dl = DataLoader(TensorDataset(torch.randn(6000, 1, 49, 40), torch.randint(0, 35, (6000,))),
                          batch_size=100, shuffle=True)
    val_dl = DataLoader(TensorDataset(torch.randn(1000, 1, 49, 40), torch.randint(0, 35, (1000,))), batch_size=250)

    model.train()
    best = 0.0
    for epoch in range(args.epochs):
        tr = train_one_epoch(model, train_dl, opt, device)
        sched.step()
        vl, acc = evaluate(model, val_dl, device)
        logger.info("epoch %d train %.4f val %.4f acc %.4f", epoch, tr, vl, acc)
        if acc > best:
            best = acc
            torch.save(model.state_dict(), os.path.join(args.save_dir, "best.pt"))


if __name__ == "__main__":
    main()
