# expect: TVL006
# style: config-dict factory (build_model/build_optimizer), transfer learning for image classification
# bug: build_optimizer() only passes model.classifier parameters to the optimizer, but the backbone is never frozen, so its gradients are computed every step and never applied.
import copy
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger("finetune")

CFG = {
    "model": {"width": 48, "n_classes": 37},
    "optim": {"name": "sgd", "lr": 0.01, "momentum": 0.9, "weight_decay": 1e-4},
    "data": {"batch_size": 64, "n_train": 2000, "n_val": 400},
    "epochs": 8,
}


class Backbone(nn.Module):
    def __init__(self, width):
        super().__init__()
        layers, c = [], 3
        for mult in (1, 2, 4, 8):
            layers += [nn.Conv2d(c, width * mult, 3, 2, 1, bias=False), nn.BatchNorm2d(width * mult), nn.ReLU(inplace=True)]
            c = width * mult
        self.body = nn.Sequential(*layers)
        self.out_dim = c

    def forward(self, x):
        return self.body(x).mean((2, 3))


class PetClassifier(nn.Module):
    def __init__(self, width, n_classes):
        super().__init__()
        self.backbone = Backbone(width)
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.backbone.out_dim, n_classes))

    def forward(self, x):
        return self.classifier(self.backbone(x))


def build_model(cfg):
    model = PetClassifier(**cfg["model"])
    logger.info("pretrained backbone weights would be loaded here")
    return model


def build_optimizer(cfg, model):
    oc = copy.deepcopy(cfg["optim"])
    name = oc.pop("name")
    params = model.classifier.parameters()
    if name == "sgd":
        return torch.optim.SGD(params, **oc)
    if name == "adamw":
        oc.pop("momentum", None)
        return torch.optim.AdamW(params, **oc)
    raise ValueError(name)


def build_loaders(cfg):
    d = cfg["data"]
    tr = TensorDataset(torch.randn(d["n_train"], 3, 64, 64), torch.randint(0, 37, (d["n_train"],)))
    va = TensorDataset(torch.randn(d["n_val"], 3, 64, 64), torch.randint(0, 37, (d["n_val"],)))
    return (DataLoader(tr, batch_size=d["batch_size"], shuffle=True, num_workers=2),
            DataLoader(va, batch_size=128, num_workers=2))


@torch.no_grad()
def evaluate(model, loader):
    model.eval()
    hit = n = 0
    for x, y in loader:
        hit += (model(x).argmax(1) == y).sum().item()
        n += len(y)
    model.train()
    return hit / n


def train(cfg):
    model = build_model(cfg)
    optimizer = build_optimizer(cfg, model)
    train_dl, val_dl = build_loaders(cfg)
    crit = nn.CrossEntropyLoss()
    model.train()
    for epoch in range(cfg["epochs"]):
        running = 0.0
        for x, y in train_dl:
            optimizer.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            optimizer.step()
            running += loss.item()
        logger.info("epoch %d loss %.4f val_acc %.4f", epoch, running / len(train_dl), evaluate(model, val_dl))
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(CFG)
