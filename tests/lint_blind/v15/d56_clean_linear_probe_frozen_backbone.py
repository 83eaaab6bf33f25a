# expect: clean
# style: self-supervised evaluation protocol (linear probe) with argparse; backbone loaded, frozen, and run under no_grad
# note: the backbone forward runs inside torch.no_grad() and the optimizer only covers the linear head, which would be a bug for fine-tuning — here the backbone is explicitly frozen (requires_grad_(False), eval mode) so only the probe is meant to train
import argparse
import logging
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("linprobe")


def resnet_like(width=64):
    def block(cin, cout, stride):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))
    return nn.Sequential(block(3, width, 1), block(width, width * 2, 2), block(width * 2, width * 4, 2),
                         block(width * 4, width * 8, 2), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def load_backbone(path, width):
    net = resnet_like(width)
    if path and os.path.isfile(path):
        state = torch.load(path, map_location="cpu", weights_only=True)
        state = {k.removeprefix("backbone."): v for k, v in state.items() if k.startswith("backbone.")}
        msg = net.load_state_dict(state, strict=False)
        log.info("loaded backbone from %s: %s", path, msg)
    else:
        log.warning("no pretrained weights, probing a random backbone")
    net.requires_grad_(False)
    net.eval()
    return net


@torch.no_grad()
def extract(backbone, x):
    return backbone(x)


def run(args):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    backbone = load_backbone(args.pretrained, args.width).to(device)
    probe = nn.Linear(args.width * 8, args.num_classes).to(device)
    nn.init.zeros_(probe.bias)
    nn.init.normal_(probe.weight, std=0.01)
    optimizer = torch.optim.SGD(probe.parameters(), lr=args.lr, momentum=0.9, weight_decay=0.0)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs)

    x = torch.randn(6000, 3, 32, 32)
    y = torch.randint(0, args.num_classes, (6000,))
    train_dl = DataLoader(TensorDataset(x[:5000], y[:5000]), batch_size=256, shuffle=True)
    test_dl = DataLoader(TensorDataset(x[5000:], y[5000:]), batch_size=512)

    for epoch in range(args.epochs):
        probe.train()
        tot, n = 0.0, 0
        for xb, yb in train_dl:
            xb, yb = xb.to(device), yb.to(device)
            feats = extract(backbone, xb)
            loss = F.cross_entropy(probe(feats), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot += loss.item() * len(yb)
            n += len(yb)
        scheduler.step()
        probe.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in test_dl:
                correct += (probe(extract(backbone, xb.to(device))).argmax(1).cpu() == yb).sum().item()
        log.info("epoch %d loss %.4f top1 %.2f", epoch, tot / n, 100.0 * correct / len(test_dl.dataset))
    torch.save(probe.state_dict(), os.path.join(args.out, "linear_probe.pt"))


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--pretrained", default="")
    ap.add_argument("--width", type=int, default=32)
    ap.add_argument("--num-classes", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=50)
    ap.add_argument("--lr", type=float, default=0.5)
    ap.add_argument("--out", default="probe_out")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    logging.basicConfig(level=logging.INFO)
    run(a)
