# expect: TVL006
# style: YAML-like config object + builder functions, audio event classification fine-tuning
# bug: optimizer mode "head" builds the optimizer over classifier params only, but freezing is tied to a different flag (freeze_encoder: False), so the encoder gets gradients that are never applied
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("audio")

CONFIG = SimpleNamespace(
    model=SimpleNamespace(n_mels=64, channels=[32, 64, 128], n_classes=50, freeze_encoder=False),
    optim=SimpleNamespace(name="adam", lr=1e-3, params="head", weight_decay=0.0),
    train=SimpleNamespace(epochs=20, batch_size=32, mixup=0.0),
)


class AudioEncoder(nn.Module):
    def __init__(self, n_mels, channels):
        super().__init__()
        layers, cin = [], 1
        for c in channels:
            layers += [nn.Conv2d(cin, c, 3, padding=1), nn.BatchNorm2d(c), nn.ReLU(), nn.MaxPool2d(2)]
            cin = c
        self.body = nn.Sequential(*layers)
        self.out_dim = cin

    def forward(self, spec):
        h = self.body(spec.unsqueeze(1))
        return h.mean(-1).amax(-1)


class AudioClassifier(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.encoder = AudioEncoder(cfg.n_mels, cfg.channels)
        self.classifier = nn.Sequential(nn.Dropout(0.3), nn.Linear(self.encoder.out_dim, cfg.n_classes))

    def forward(self, spec):
        return self.classifier(self.encoder(spec))


def build_model(cfg):
    model = AudioClassifier(cfg.model)
    if cfg.model.freeze_encoder:
        for p in model.encoder.parameters():
            p.requires_grad = False
        log.info("encoder frozen")
    return model


def build_optimizer(model, cfg):
    if cfg.optim.params == "head":
        params = model.classifier.parameters()
    else:
        params = model.parameters()
    if cfg.optim.name == "adam":
        return torch.optim.Adam(params, lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    return torch.optim.SGD(params, lr=cfg.optim.lr, momentum=0.9)


def build_loaders(cfg):
    g = torch.Generator().manual_seed(0)
    spec = torch.randn(2400, cfg.model.n_mels, 128, generator=g)
    labels = torch.randint(0, cfg.model.n_classes, (2400,), generator=g)
    train = TensorDataset(spec[:2000], labels[:2000])
    val = TensorDataset(spec[2000:], labels[2000:])
    return (DataLoader(train, batch_size=cfg.train.batch_size, shuffle=True),
            DataLoader(val, batch_size=64))


def train(cfg):
    model = build_model(cfg)
    optimizer = build_optimizer(model, cfg)
    train_loader, val_loader = build_loaders(cfg)
    for epoch in range(cfg.train.epochs):
        model.train()
        total, n = 0.0, 0
        for spec, y in train_loader:
            loss = F.cross_entropy(model(spec), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y)
            n += len(y)
        model.eval()
        hits = cnt = 0
        with torch.no_grad():
            for spec, y in val_loader:
                hits += (model(spec).argmax(1) == y).sum().item()
                cnt += len(y)
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, total / n, hits / cnt)
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train(CONFIG)
