# expect: clean
# style: discriminative learning rates for transfer learning (backbone vs head), param groups built by name in a helper, segmentation-free classification
# note: two param groups with different LRs look like overlapping groups, but the helper partitions named_parameters() by prefix so every parameter lands in exactly one group, and every trainable parameter is covered
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("transfer")


class Net(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1), nn.BatchNorm2d(256), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, n_classes))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def param_groups(model, base_lr, head_mult, wd):
    groups = {"backbone_decay": [], "backbone_no_decay": [], "head_decay": [], "head_no_decay": []}
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        part = "head" if name.startswith("classifier.") else "backbone"
        kind = "no_decay" if p.ndim == 1 else "decay"
        groups[f"{part}_{kind}"].append(p)
    out = []
    for key, params in groups.items():
        lr = base_lr * (head_mult if key.startswith("head") else 1.0)
        out.append({"params": params, "lr": lr, "weight_decay": wd if key.endswith("_decay") and "no_" not in key else 0.0,
                    "name": key})
    n_grouped = sum(len(g["params"]) for g in out)
    assert n_grouped == len([p for p in model.parameters() if p.requires_grad])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--lr", type=float, default=1e-4)
    ap.add_argument("--head-mult", type=float, default=10.0)
    ap.add_argument("--n-classes", type=int, default=120)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    model = Net(args.n_classes)
    opt = torch.optim.AdamW(param_groups(model, args.lr, args.head_mult, 0.05))
    for g in opt.param_groups:
        logger.info("group %s: %d tensors lr %.1e wd %.2f", g["name"], len(g["params"]), g["lr"], g["weight_decay"])
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs)
    train_dl = DataLoader(TensorDataset(torch.randn(3000, 3, 96, 96), torch.randint(0, args.n_classes, (3000,))),
                          batch_size=48, shuffle=True, drop_last=True)
    val_dl = DataLoader(TensorDataset(torch.randn(600, 3, 96, 96), torch.randint(0, args.n_classes, (600,))),
                        batch_size=128)

    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
        sched.step()
        model.eval()
        with torch.no_grad():
            acc = sum((model(x).argmax(-1) == y).sum().item() for x, y in val_dl) / len(val_dl.dataset)
        logger.info("epoch %d loss %.4f acc %.4f", epoch, tot / len(train_dl), acc)
    torch.save(model.state_dict(), "dogs_transfer.pt")


if __name__ == "__main__":
    main()
