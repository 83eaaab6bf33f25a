# expect: clean
# style: detectron2-style fine-tuning with BatchNorm layers frozen via a helper called each epoch, small-batch instance-ish segmentation head
# note: .eval() is called on modules inside the epoch loop, but only on BatchNorm layers after model.train(), to keep pretrained statistics with batch size 2; the rest of the model stays in train mode
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("finetune")


def freeze_bn(module):
    """Put every BatchNorm in eval mode and stop its affine params from training."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
            m.weight.requires_grad_(False)
            m.bias.requires_grad_(False)
    return module


class FPNLite(nn.Module):
    def __init__(self, n_classes=8):
        super().__init__()
        def stage(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())
        self.c2, self.c3, self.c4 = stage(3, 64), stage(64, 128), stage(128, 256)
        self.lat3, self.lat4 = nn.Conv2d(128, 128, 1), nn.Conv2d(256, 128, 1)
        self.head = nn.Sequential(nn.Conv2d(128, 128, 3, padding=1), nn.ReLU(), nn.Dropout2d(0.1),
                                  nn.Conv2d(128, n_classes, 1))

    def forward(self, x):
        c2 = self.c2(x)
        c3 = self.c3(c2)
        c4 = self.c4(c3)
        p3 = self.lat3(c3) + F.interpolate(self.lat4(c4), size=c3.shape[-2:], mode="nearest")
        return F.interpolate(self.head(p3), size=x.shape[-2:], mode="bilinear", align_corners=False)


def main(epochs=12):
    logging.basicConfig(level=logging.INFO)
    img = torch.rand(400, 3, 128, 128)
    lbl = (img[:, 0] * 8).long().clamp(max=7)
    train_loader = DataLoader(TensorDataset(img[:340], lbl[:340]), batch_size=2, shuffle=True)
    val_loader = DataLoader(TensorDataset(img[340:], lbl[340:]), batch_size=10)
    model = FPNLite()
    # weights of a COCO-pretrained backbone would be loaded here
    freeze_bn(model)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD(params, lr=0.005, momentum=0.9, weight_decay=1e-4)
    for epoch in range(epochs):
        model.train()
        freeze_bn(model)
        for it, (x, y) in enumerate(train_loader):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if it % 50 == 0:
                logger.info("epoch %d iter %d loss %.4f", epoch, it, loss.item())
        model.eval()
        inter = torch.zeros(8)
        union = torch.zeros(8)
        with torch.no_grad():
            for x, y in val_loader:
                p = model(x).argmax(1)
                for c in range(8):
                    inter[c] += ((p == c) & (y == c)).sum()
                    union[c] += ((p == c) | (y == c)).sum()
        logger.info("epoch %d mIoU %.4f", epoch, (inter / union.clamp(min=1)).mean().item())


if __name__ == "__main__":
    main()
