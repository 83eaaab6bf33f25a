# expect: TVL005
# style: YOLO-style anchor-free detector with decoupled heads (YOLOX-like trainer)
# bug: the decoupled cls/reg/obj heads live in a plain dict attribute, so they are unregistered (not in parameters(), not moved by .to())
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class CSPStem(nn.Module):
    def __init__(self, c=64):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(3, c // 2, 3, 2, 1), nn.BatchNorm2d(c // 2), nn.SiLU(),
                                  nn.Conv2d(c // 2, c, 3, 2, 1), nn.BatchNorm2d(c), nn.SiLU())

    def forward(self, x):
        return self.body(x)


class DecoupledHead(nn.Module):
    def __init__(self, c=64, num_classes=20):
        super().__init__()
        self.stem = nn.Conv2d(c, c, 1)
        self.heads = {
            "cls": nn.Conv2d(c, num_classes, 1),
            "reg": nn.Conv2d(c, 4, 1),
            "obj": nn.Conv2d(c, 1, 1),
        }

    def forward(self, feat):
        f = F.silu(self.stem(feat))
        return {k: head(f) for k, head in self.heads.items()}


class YOLOXLite(nn.Module):
    def __init__(self, num_classes=20):
        super().__init__()
        self.backbone = CSPStem()
        self.head = DecoupledHead(num_classes=num_classes)

    def forward(self, x):
        return self.head(self.backbone(x))


def yolox_loss(out, tgt):
    l_obj = F.binary_cross_entropy_with_logits(out["obj"], tgt["obj"])
    l_cls = F.binary_cross_entropy_with_logits(out["cls"], tgt["cls"])
    l_iou = F.l1_loss(out["reg"], tgt["reg"])
    return 5.0 * l_iou + l_obj + l_cls


def main():
    parser = argparse.ArgumentParser("YOLOX train parser")
    parser.add_argument("-e", "--max_epoch", type=int, default=10)
    parser.add_argument("-b", "--batch-size", type=int, default=8)
    args = parser.parse_args()
    model = YOLOXLite()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, nesterov=True)
    imgs = torch.rand(64, 3, 128, 128)
    obj, cls, reg = torch.rand(64, 1, 32, 32).round(), torch.rand(64, 20, 32, 32).round(), torch.rand(64, 4, 32, 32)
    loader = DataLoader(TensorDataset(imgs, obj, cls, reg), batch_size=args.batch_size, shuffle=True)
    for epoch in range(args.max_epoch):
        model.train()
        for it, (x, o, c, r) in enumerate(loader):
            loss = yolox_loss(model(x), {"obj": o, "cls": c, "reg": r})
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if it % 4 == 0:
                print(f"epoch: {epoch + 1}/{args.max_epoch}, iter: {it + 1}, total_loss: {loss.item():.3f}")


if __name__ == "__main__":
    main()
