# expect: clean
# style: detectron2-like fine-tuning with FrozenBatchNorm behaviour: BN layers put in eval() inside the training epoch
# note: .eval() is called in the epoch loop, which looks like TVL004, but only on BatchNorm sub-modules right after model.train() to keep pretrained statistics fixed (small batches); the model itself stays in train mode and validation restores it.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ft")


def freeze_bn(model):
    n = 0
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
            m.weight.requires_grad_(False)
            m.bias.requires_grad_(False)
            n += 1
    return n


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
        )

    def forward(self, x):
        return self.stages(x)


class Segmenter(nn.Module):
    def __init__(self, n_classes=4):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Sequential(nn.Conv2d(128, 64, 3, padding=1), nn.ReLU(), nn.Dropout2d(0.1), nn.Conv2d(64, n_classes, 1))

    def forward(self, x):
        return F.interpolate(self.head(self.backbone(x)), size=x.shape[-2:], mode="bilinear", align_corners=False)


@torch.no_grad()
def pixel_acc(model, loader):
    was = model.training
    model.eval()
    correct = total = 0
    for x, y in loader:
        correct += (model(x).argmax(1) == y).sum().item()
        total += y.numel()
    model.train(was)
    return correct / total


def data(n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 4, (n, 4, 4), generator=g).repeat_interleave(16, 1).repeat_interleave(16, 2)
    x = y.unsqueeze(1).float().expand(-1, 3, -1, -1) / 3 + 0.2 * torch.randn(n, 3, 64, 64, generator=g)
    return TensorDataset(x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=8)
    ap.add_argument("--batch-size", type=int, default=4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    model = Segmenter()
    train_dl = DataLoader(data(800, 0), batch_size=args.batch_size, shuffle=True)
    val_dl = DataLoader(data(100, 1), batch_size=16)
    freeze_bn(model)  # BN affine params frozen before the optimizer is built
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4)
    for epoch in range(args.epochs):
        model.train()
        n_frozen = freeze_bn(model)
        tot = 0.0
        for x, y in train_dl:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f pixel_acc %.4f (frozen BN layers: %d)", epoch, tot / len(train_dl),
                 pixel_acc(model, val_dl), n_frozen)
    torch.save(model.state_dict(), "segmenter_frozen_bn.pt")


if __name__ == "__main__":
    main()
