# expect: TVL013
# style: mmdetection-style two-stage detector module (backbone/neck/head composed in a Detector class)
# bug: SingleStageDetector.extract_feat calls self.backbone.forward(img) and self.neck.forward(...) instead of calling the modules
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class ResNetLite(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 32, 7, 2, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        self.layer = nn.Sequential(nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU())

    def forward(self, x):
        return self.layer(self.stem(x))


class FPNLite(nn.Module):
    def __init__(self, in_ch=64, out_ch=128):
        super().__init__()
        self.lateral = nn.Conv2d(in_ch, out_ch, 1)
        self.fpn_conv = nn.Conv2d(out_ch, out_ch, 3, padding=1)

    def forward(self, x):
        return self.fpn_conv(self.lateral(x))


class SingleStageDetector(nn.Module):
    def __init__(self, num_classes=80):
        super().__init__()
        self.backbone = ResNetLite()
        self.neck = FPNLite()
        self.bbox_head = nn.Conv2d(128, num_classes + 4, 3, padding=1)

    def extract_feat(self, img):
        x = self.backbone.forward(img)
        return self.neck.forward(x)

    def forward_train(self, img, gt_cls, gt_box):
        out = self.bbox_head(self.extract_feat(img))
        cls_score, bbox_pred = out[:, :-4], out[:, -4:]
        loss_cls = F.binary_cross_entropy_with_logits(cls_score, gt_cls)
        loss_bbox = F.smooth_l1_loss(bbox_pred, gt_box)
        return {"loss_cls": loss_cls, "loss_bbox": loss_bbox}


def main():
    parser = argparse.ArgumentParser(description="Train a detector")
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--samples-per-gpu", type=int, default=2)
    args = parser.parse_args()
    model = SingleStageDetector()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=1e-4)
    ds = TensorDataset(torch.rand(32, 3, 128, 128), torch.rand(32, 80, 8, 8).round(), torch.rand(32, 4, 8, 8))
    loader = DataLoader(ds, batch_size=args.samples_per_gpu, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        for i, (img, c, b) in enumerate(loader):
            losses = model.forward_train(img, c, b)
            loss = sum(losses.values())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if i % 8 == 0:
                print(f"Epoch [{epoch + 1}][{i}/{len(loader)}] " + ", ".join(f"{k}: {v.item():.4f}" for k, v in losses.items()))


if __name__ == "__main__":
    main()
