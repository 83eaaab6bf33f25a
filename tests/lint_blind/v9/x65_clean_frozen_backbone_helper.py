# expect: clean
# style: transfer learning with freeze()/param-group helpers and a config dict (vision, linear probe then fine-tune)
# note: the optimizer only holds the head's parameters, but freeze(model.backbone) sets requires_grad=False on the whole backbone first, so no gradients are wasted.
import os
import random
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)

log = logging.getLogger("probe")

CFG = {"num_classes": 102, "probe_epochs": 5, "lr_head": 0.05, "batch_size": 32}


def freeze(module):
    for p in module.parameters():
        p.requires_grad = False
    module.eval()
    return module


def trainable(module):
    return [p for p in module.parameters() if p.requires_grad]


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.stages = nn.Sequential(
            nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
            nn.Conv2d(64, 128, 3, 2, 1, bias=False), nn.BatchNorm2d(128), nn.ReLU(),
            nn.Conv2d(128, 256, 3, 2, 1, bias=False), nn.BatchNorm2d(256), nn.ReLU(),
        )
        self.dim = 256

    def forward(self, x):
        return F.adaptive_avg_pool2d(self.stages(x), 1).flatten(1)


class Classifier(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.backbone = Backbone()
        self.head = nn.Sequential(nn.Dropout(0.2), nn.Linear(self.backbone.dim, n))

    def forward(self, x):
        return self.head(self.backbone(x))


def run_probe(model, loader, cfg):
    freeze(model.backbone)
    opt = torch.optim.SGD(trainable(model), lr=cfg["lr_head"], momentum=0.9)
    assert all(not p.requires_grad for p in model.backbone.parameters())
    for epoch in range(cfg["probe_epochs"]):
        model.head.train()
        tot = 0.0
        for x, y in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("probe epoch %d loss %.4f", epoch, tot / len(loader))


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    logging.basicConfig(level=logging.INFO)
    model = Classifier(CFG["num_classes"])
    ds = TensorDataset(torch.randn(1600, 3, 112, 112), torch.randint(0, CFG["num_classes"], (1600,)))
    run_probe(model, DataLoader(ds, batch_size=CFG["batch_size"], shuffle=True), CFG)
    torch.save(model.head.state_dict(), "flowers_head.pt")
