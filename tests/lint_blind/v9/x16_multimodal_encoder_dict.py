# expect: TVL005
# style: config-dict factory for a multimodal (image + text + tabular) classifier
# bug: build_encoders returns a plain dict that the fusion model stores as self.encoders, so none of the encoders are registered sub-modules and the optimizer only sees the fusion head.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

logger = logging.getLogger(__name__)

CFG = {
    "modalities": {
        "image": {"type": "cnn", "channels": 3, "dim": 128},
        "text": {"type": "bag", "vocab": 5000, "dim": 128},
        "tab": {"type": "mlp", "in": 16, "dim": 128},
    },
    "num_classes": 4,
    "lr": 3e-4,
    "epochs": 6,
}


def _cnn(c):
    return nn.Sequential(nn.Conv2d(c["channels"], 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, c["dim"], 3, 2, 1), nn.AdaptiveAvgPool2d(1), nn.Flatten())


def _bag(c):
    return nn.EmbeddingBag(c["vocab"], c["dim"], mode="mean")


def _mlp(c):
    return nn.Sequential(nn.Linear(c["in"], c["dim"]), nn.ReLU(), nn.Linear(c["dim"], c["dim"]))


ENCODER_REGISTRY = {"cnn": _cnn, "bag": _bag, "mlp": _mlp}


def build_encoders(mod_cfg):
    return {name: ENCODER_REGISTRY[c["type"]](c) for name, c in mod_cfg.items()}


class LateFusionClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoders = build_encoders(cfg["modalities"])
        total = sum(c["dim"] for c in cfg["modalities"].values())
        self.head = nn.Sequential(nn.LayerNorm(total), nn.Linear(total, 256), nn.GELU(), nn.Linear(256, cfg["num_classes"]))

    def forward(self, batch):
        feats = [self.encoders[name](batch[name]) for name in sorted(self.encoders)]
        return self.head(torch.cat(feats, dim=-1))


def make_loader(n=2000):
    ds = TensorDataset(torch.randn(n, 3, 64, 64), torch.randint(0, 5000, (n, 32)), torch.randn(n, 16), torch.randint(0, 4, (n,)))
    return DataLoader(ds, batch_size=32, shuffle=True)


def train(cfg):
    model = LateFusionClassifier(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg["lr"])
    loader = make_loader()
    for epoch in range(cfg["epochs"]):
        model.train()
        running = 0.0
        for img, txt, tab, y in loader:
            logits = model({"image": img, "text": txt, "tab": tab})
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            running += loss.item()
        logger.info("epoch %d loss %.4f", epoch, running / len(loader))
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(CFG)
