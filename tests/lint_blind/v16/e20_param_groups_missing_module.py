# expect: TVL006
# style: config-dict factory building named parameter groups, seq2seq time-series transformer
# bug: build_param_groups only collects parameters whose names start with the prefixes in the config (encoder/decoder); the trainable input projection and output head are silently left out of the optimizer
import logging
import math

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

logging.basicConfig(level=logging.INFO)
log = logging.getLogger("ts-seq2seq")

CFG = {
    "model": {"d_model": 64, "nhead": 4, "enc_layers": 2, "dec_layers": 2, "n_vars": 7},
    "optim": {
        "base_lr": 1e-3,
        "groups": [
            {"prefix": "encoder.", "lr_mult": 1.0, "weight_decay": 0.01},
            {"prefix": "decoder.", "lr_mult": 1.0, "weight_decay": 0.01},
        ],
    },
    "data": {"context": 96, "horizon": 24, "batch_size": 64},
    "epochs": 15,
}


class Seq2SeqForecaster(nn.Module):
    def __init__(self, d_model, nhead, enc_layers, dec_layers, n_vars):
        super().__init__()
        self.input_proj = nn.Linear(n_vars, d_model)
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model, nhead, 4 * d_model, batch_first=True), enc_layers)
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(d_model, nhead, 4 * d_model, batch_first=True), dec_layers)
        self.query = nn.Embedding(128, d_model)
        self.head = nn.Linear(d_model, n_vars)

    def forward(self, x, horizon):
        mem = self.encoder(self.input_proj(x))
        q = self.query.weight[:horizon].unsqueeze(0).expand(len(x), -1, -1)
        return self.head(self.decoder(q, mem))


def build_model(cfg):
    return Seq2SeqForecaster(**cfg["model"])


def build_param_groups(model, ocfg):
    groups = []
    for g in ocfg["groups"]:
        params = [p for n, p in model.named_parameters() if n.startswith(g["prefix"]) and p.requires_grad]
        groups.append({"params": params, "lr": ocfg["base_lr"] * g["lr_mult"], "weight_decay": g["weight_decay"]})
    return groups


def build_optimizer(model, cfg):
    groups = build_param_groups(model, cfg["optim"])
    n = sum(p.numel() for g in groups for p in g["params"])
    log.info("optimizing %d parameters in %d groups", n, len(groups))
    return torch.optim.AdamW(groups)


def make_windows(series, context, horizon):
    xs, ys = [], []
    for s in range(0, len(series) - context - horizon, 4):
        xs.append(series[s:s + context])
        ys.append(series[s + context:s + context + horizon])
    return torch.stack(xs), torch.stack(ys)


def main(cfg=CFG):
    t = torch.arange(8000).float()
    series = torch.stack([torch.sin(2 * math.pi * t / p) for p in (24, 48, 96, 168, 12, 6, 336)], 1)
    series += 0.1 * torch.randn_like(series)
    d = cfg["data"]
    x, y = make_windows(series, d["context"], d["horizon"])
    n_tr = int(0.8 * len(x))
    train_loader = DataLoader(TensorDataset(x[:n_tr], y[:n_tr]), batch_size=d["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(x[n_tr:], y[n_tr:]), batch_size=256)

    model = build_model(cfg)
    optimizer = build_optimizer(model, cfg)
    loss_fn = nn.MSELoss()
    for epoch in range(cfg["epochs"]):
        model.train()
        tr = 0.0
        for xb, yb in train_loader:
            pred = model(xb, d["horizon"])
            loss = loss_fn(pred, yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            tr += loss.item()
        model.eval()
        with torch.no_grad():
            va = sum(loss_fn(model(xb, d["horizon"]), yb).item() for xb, yb in val_loader) / len(val_loader)
        log.info("epoch %d train %.4f val %.4f", epoch, tr / len(train_loader), va)


if __name__ == "__main__":
    main()
