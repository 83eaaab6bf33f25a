# expect: clean
# style: image classifier with a ModelEMA helper class (timm-style); EMA weights used for validation
# note: ModelEMA.update() runs under torch.no_grad() and evaluation uses the EMA copy, which looks like a no-grad forward of the trained model — but the online model's training forward/backward happen with grad; only the EMA averaging and validation are gradient-free
import argparse
import copy
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ema")


class ModelEMA:
    def __init__(self, model, decay=0.999, warmup=2000):
        self.module = copy.deepcopy(model).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self.decay = decay
        self.warmup = warmup
        self.updates = 0

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        d = self.decay * (1 - pow(2.718281828, -self.updates / self.warmup))
        msd = model.state_dict()
        for k, v in self.module.state_dict().items():
            if v.dtype.is_floating_point:
                v.mul_(d).add_(msd[k].detach(), alpha=1 - d)
            else:
                v.copy_(msd[k])


def make_model(n_classes=20):
    return nn.Sequential(
        nn.Conv2d(3, 48, 3, padding=1), nn.BatchNorm2d(48), nn.ReLU(),
        nn.Conv2d(48, 96, 3, stride=2, padding=1), nn.BatchNorm2d(96), nn.ReLU(),
        nn.Conv2d(96, 192, 3, stride=2, padding=1), nn.BatchNorm2d(192), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(192, n_classes),
    )


@torch.no_grad()
def evaluate(net, loader, device):
    net.eval()
    correct = 0
    for x, y in loader:
        correct += (net(x.to(device)).argmax(1).cpu() == y).sum().item()
    return correct / len(loader.dataset)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=25)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--ema-decay", type=float, default=0.999)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    torch.manual_seed(0)
    x = torch.randn(9000, 3, 32, 32)
    y = torch.randint(0, 20, (9000,))
    train_dl = DataLoader(TensorDataset(x[:8000], y[:8000]), batch_size=128, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(x[8000:], y[8000:]), batch_size=256)

    model = make_model().to(device)
    ema = ModelEMA(model, decay=args.ema_decay)
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    best = 0.0
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            loss = F.cross_entropy(model(xb), yb, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            ema.update(model)
        sched.step()
        acc, acc_ema = evaluate(model, val_dl, device), evaluate(ema.module, val_dl, device)
        log.info("epoch %d acc %.4f ema_acc %.4f", epoch, acc, acc_ema)
        if acc_ema > best:
            best = acc_ema
            torch.save(ema.module.state_dict(), "ema_best.pt")


if __name__ == "__main__":
    main()
