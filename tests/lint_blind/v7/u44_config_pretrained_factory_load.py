# expect: TVL014
# style: config-object driven build_model factory with --opts overrides, pretrained-encoder fine-tuning for time-series anomaly classification
# bug: build_model(cfg) loads cfg.model.pretrained -- a path set on the command line through --opts -- with torch.load(...) and no weights_only=True.
import argparse
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("tsad")

DEFAULTS = {
    "model": {"d_model": 64, "n_layers": 3, "pretrained": ""},
    "train": {"epochs": 15, "lr": 5e-4, "batch_size": 64},
}


def to_ns(d):
    return SimpleNamespace(**{k: to_ns(v) if isinstance(v, dict) else v for k, v in d.items()})


def load_cfg(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--opts", nargs="*", default=[], help="key=value overrides, e.g. model.pretrained=enc.pt")
    args = ap.parse_args(argv)
    cfg = {k: dict(v) for k, v in DEFAULTS.items()}
    for kv in args.opts:
        key, val = kv.split("=", 1)
        sec, name = key.split(".")
        old = cfg[sec][name]
        cfg[sec][name] = type(old)(val) if not isinstance(old, str) else val
    return to_ns(cfg)


class TCNEncoder(nn.Module):
    def __init__(self, d, n_layers):
        super().__init__()
        layers, cin = [], 1
        for i in range(n_layers):
            layers += [nn.Conv1d(cin, d, 3, padding=2 ** i, dilation=2 ** i), nn.GELU()]
            cin = d
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x).mean(-1)


class AnomalyClassifier(nn.Module):
    def __init__(self, d, n_layers):
        super().__init__()
        self.encoder = TCNEncoder(d, n_layers)
        self.head = nn.Linear(d, 1)

    def forward(self, x):
        return self.head(self.encoder(x)).squeeze(-1)


def build_model(cfg):
    m = AnomalyClassifier(cfg.model.d_model, cfg.model.n_layers)
    if cfg.model.pretrained:
        sd = torch.load(cfg.model.pretrained, map_location="cpu")
        m.encoder.load_state_dict(sd.get("encoder", sd))
        log.info("initialised encoder from %s", cfg.model.pretrained)
    return m


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = load_cfg()
    x = torch.randn(5000, 1, 256)
    y = (torch.rand(5000) < 0.1).float()
    x[y.bool(), :, 100:120] += 3.0
    train_dl = DataLoader(TensorDataset(x[:4000], y[:4000]), batch_size=cfg.train.batch_size, shuffle=True)
    val_dl = DataLoader(TensorDataset(x[4000:], y[4000:]), batch_size=512)
    model = build_model(cfg)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.train.lr)
    pos_w = torch.tensor((1 - y[:4000].mean()) / y[:4000].mean())
    for epoch in range(cfg.train.epochs):
        model.train()
        for xb, yb in train_dl:
            loss = F.binary_cross_entropy_with_logits(model(xb), yb, pos_weight=pos_w)
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        tp = fp = fn = 0
        with torch.no_grad():
            for xb, yb in val_dl:
                p = (model(xb) > 0).float()
                tp += (p * yb).sum().item()
                fp += (p * (1 - yb)).sum().item()
                fn += ((1 - p) * yb).sum().item()
        f1 = 2 * tp / max(2 * tp + fp + fn, 1)
        log.info("epoch %d val F1 %.4f", epoch, f1)


if __name__ == "__main__":
    main()
