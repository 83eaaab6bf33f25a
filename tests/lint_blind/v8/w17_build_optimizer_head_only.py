# expect: TVL006
# style: detectron2-ish config + build_optimizer factory, image classification fine-tuning with a pretrained-like backbone
# bug: build_optimizer only passes model.head parameters when cfg.SOLVER.HEAD_ONLY is set, but the backbone is never frozen (the FREEZE_AT stage logic is a no-op for 0), so backbone gradients are computed every step and never applied
import argparse
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("finetune")
logging.basicConfig(level=logging.INFO)


def get_cfg():
    return SimpleNamespace(
        MODEL=SimpleNamespace(NUM_CLASSES=37, WIDTH=64, FREEZE_AT=0),
        SOLVER=SimpleNamespace(BASE_LR=0.01, MOMENTUM=0.9, WEIGHT_DECAY=1e-4,
                               MAX_EPOCHS=12, HEAD_ONLY=True, IMS_PER_BATCH=32),
    )


class Stage(nn.Sequential):
    def __init__(self, cin, cout):
        super().__init__(nn.Conv2d(cin, cout, 3, stride=2, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                         nn.Conv2d(cout, cout, 3, padding=1, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Backbone(nn.Module):
    def __init__(self, width):
        super().__init__()
        self.stages = nn.ModuleList([Stage(3, width), Stage(width, width * 2),
                                     Stage(width * 2, width * 4), Stage(width * 4, width * 8)])
        self.out_channels = width * 8

    def freeze(self, freeze_at):
        for i, stage in enumerate(self.stages):
            if i < freeze_at:
                for p in stage.parameters():
                    p.requires_grad = False

    def forward(self, x):
        for s in self.stages:
            x = s(x)
        return x


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = Backbone(cfg.MODEL.WIDTH)
        self.backbone.freeze(cfg.MODEL.FREEZE_AT)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2),
                                  nn.Linear(self.backbone.out_channels, cfg.MODEL.NUM_CLASSES))

    def forward(self, x):
        return self.head(self.backbone(x))


def build_optimizer(cfg, model):
    params = model.head.parameters() if cfg.SOLVER.HEAD_ONLY else model.parameters()
    return torch.optim.SGD(params, lr=cfg.SOLVER.BASE_LR, momentum=cfg.SOLVER.MOMENTUM,
                           weight_decay=cfg.SOLVER.WEIGHT_DECAY)


def build_lr_scheduler(cfg, optimizer):
    return torch.optim.lr_scheduler.MultiStepLR(optimizer, milestones=[8, 11], gamma=0.1)


def do_train(cfg, model, train_loader, val_loader, device):
    optimizer = build_optimizer(cfg, model)
    scheduler = build_lr_scheduler(cfg, optimizer)
    for epoch in range(cfg.SOLVER.MAX_EPOCHS):
        model.train()
        for it, (img, target) in enumerate(train_loader):
            img, target = img.to(device), target.to(device)
            loss = F.cross_entropy(model(img), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if it % 20 == 0:
                logger.info("epoch %d it %d loss %.4f", epoch, it, loss.item())
        scheduler.step()
        logger.info("epoch %d val top1 %.4f", epoch, do_test(model, val_loader, device))


@torch.no_grad()
def do_test(model, loader, device):
    model.eval()
    hit = n = 0
    for img, target in loader:
        hit += (model(img.to(device)).argmax(1).cpu() == target).sum().item()
        n += target.numel()
    model.train()
    return hit / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--output", default="output/pets")
    args = ap.parse_args()
    cfg = get_cfg()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.randn(1200, 3, 64, 64)
    y = torch.randint(0, cfg.MODEL.NUM_CLASSES, (1200,))
    train_loader = DataLoader(TensorDataset(x[:1000], y[:1000]), batch_size=cfg.SOLVER.IMS_PER_BATCH, shuffle=True)
    val_loader = DataLoader(TensorDataset(x[1000:], y[1000:]), batch_size=100)
    model = Classifier(cfg).to(device)
    do_train(cfg, model, train_loader, val_loader, device)
    torch.save(model.state_dict(), f"{args.output.rstrip('/')}_final.pth")


if __name__ == "__main__":
    main()
