# expect: clean
# style: config-dict transfer learning, flower classification with a frozen backbone
# note: the optimizer only sees the classifier head, which looks like a partial optimizer, but freeze_module() sets requires_grad=False on the backbone in the same build step
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("flowers")

CFG = {"n_classes": 102, "freeze": "backbone", "lr": 1e-3, "epochs": 15, "bs": 64}


def freeze_module(module):
    for p in module.parameters():
        p.requires_grad_(False)
    return module


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        chans = [3, 32, 64, 128, 256]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(), nn.MaxPool2d(2)]
        self.body = nn.Sequential(*layers)
        self.out_dim = chans[-1]

    def forward(self, x):
        return self.body(x).mean((2, 3))


class Classifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(self.backbone.out_dim, cfg["n_classes"]))

    def forward(self, x):
        return self.head(self.backbone(x))


def build(cfg):
    model = Classifier(cfg)
    # (pretrained backbone weights would be loaded here)
    if cfg["freeze"] == "backbone":
        freeze_module(model.backbone)
        trainable = model.head.parameters()
    else:
        trainable = model.parameters()
    optimizer = torch.optim.Adam(trainable, lr=cfg["lr"])
    return model, optimizer


def set_train_mode(model, cfg):
    model.train()
    if cfg["freeze"] == "backbone":
        model.backbone.eval()        # keep pretrained BN statistics fixed


def main(cfg):
    logging.basicConfig(level=logging.INFO)
    x = torch.randn(3000, 3, 64, 64)
    y = torch.randint(0, cfg["n_classes"], (3000,))
    train_loader = DataLoader(TensorDataset(x[:2600], y[:2600]), batch_size=cfg["bs"], shuffle=True)
    val_loader = DataLoader(TensorDataset(x[2600:], y[2600:]), batch_size=200)
    model, optimizer = build(cfg)
    n_train = sum(p.numel() for p in model.parameters() if p.requires_grad)
    log.info("trainable parameters: %d", n_train)

    for epoch in range(cfg["epochs"]):
        set_train_mode(model, cfg)
        tot = 0.0
        for xb, yb in train_loader:
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tot += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for xb, yb in val_loader:
                correct += (model(xb).argmax(1) == yb).sum().item()
        log.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(train_loader), correct / 400)


if __name__ == "__main__":
    main(CFG)
