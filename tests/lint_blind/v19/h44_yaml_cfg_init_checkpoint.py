# expect: TVL014
# style: config-object driven training (YAML-like namespace from --cfg overrides) for an anomaly-detection autoencoder; checkpoint loader utility
# bug: `init_from_checkpoint(cfg.model.init_from)` calls torch.load on a path that comes from the command-line overrides, without weights_only=True
import argparse
import copy
import logging
import os
from types import SimpleNamespace

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("ae")

DEFAULTS = {
    "model": {"in_dim": 64, "latent": 8, "hidden": [128, 64], "init_from": ""},
    "train": {"epochs": 30, "lr": 1e-3, "bs": 256, "wd": 1e-5},
    "out_dir": "ae_runs",
}


def to_ns(d):
    return SimpleNamespace(**{k: to_ns(v) if isinstance(v, dict) else v for k, v in d.items()})


def parse_overrides(pairs):
    cfg = copy.deepcopy(DEFAULTS)
    for item in pairs:
        key, val = item.split("=", 1)
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node[p]
        old = node[leaf]
        node[leaf] = type(old)(val) if not isinstance(old, list) else [int(v) for v in val.split(",")]
    return to_ns(cfg)


class AutoEncoder(nn.Module):
    def __init__(self, mcfg):
        super().__init__()
        dims = [mcfg.in_dim] + list(mcfg.hidden) + [mcfg.latent]
        enc, dec = [], []
        for a, b in zip(dims[:-1], dims[1:]):
            enc += [nn.Linear(a, b), nn.ReLU()]
        for a, b in zip(dims[::-1][:-1], dims[::-1][1:]):
            dec += [nn.Linear(a, b), nn.ReLU()]
        self.enc = nn.Sequential(*enc[:-1])
        self.dec = nn.Sequential(*dec[:-1])

    def forward(self, x):
        return self.dec(self.enc(x))


def init_from_checkpoint(model, path):
    if not path:
        return model
    ckpt = torch.load(path, map_location="cpu")
    state = ckpt.get("state_dict", ckpt)
    model.load_state_dict(state)
    log.info("initialised weights from %s", path)
    return model


def build_model(cfg, device):
    model = AutoEncoder(cfg.model)
    model = init_from_checkpoint(model, cfg.model.init_from)
    return model.to(device)


def make_data(n, d, anomaly_frac=0.0, seed=0):
    rng = np.random.default_rng(seed)
    basis = rng.normal(size=(6, d))
    x = rng.normal(size=(n, 6)) @ basis + 0.05 * rng.normal(size=(n, d))
    y = np.zeros(n, dtype=np.int64)
    k = int(anomaly_frac * n)
    if k:
        x[:k] = rng.normal(scale=2.0, size=(k, d))
        y[:k] = 1
    return torch.tensor(x, dtype=torch.float32), torch.from_numpy(y)


@torch.no_grad()
def anomaly_auc(model, loader, device):
    model.eval()
    scores, labels = [], []
    for x, y in loader:
        err = (model(x.to(device)) - x.to(device)).pow(2).mean(1)
        scores.append(err.cpu())
        labels.append(y)
    model.train()
    s, l = torch.cat(scores).numpy(), torch.cat(labels).numpy()
    order = np.argsort(-s)
    l = l[order]
    tpr = np.cumsum(l) / max(1, l.sum())
    fpr = np.cumsum(1 - l) / max(1, (1 - l).sum())
    return float(np.trapz(tpr, fpr))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cfg", nargs="*", default=[], help="overrides like model.init_from=/path/ckpt.pt train.lr=3e-4")
    args = ap.parse_args()
    cfg = parse_overrides(args.cfg)
    logging.basicConfig(level=logging.INFO)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

    x_tr, _ = make_data(50000, cfg.model.in_dim)
    x_te, y_te = make_data(5000, cfg.model.in_dim, anomaly_frac=0.05, seed=1)
    train_dl = DataLoader(TensorDataset(x_tr), batch_size=cfg.train.bs, shuffle=True)
    test_dl = DataLoader(TensorDataset(x_te, y_te), batch_size=1024)

    model = build_model(cfg, device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.train.lr, weight_decay=cfg.train.wd)
    os.makedirs(cfg.out_dir, exist_ok=True)
    for epoch in range(cfg.train.epochs):
        model.train()
        tot = 0.0
        for (x,) in train_dl:
            x = x.to(device)
            loss = F.mse_loss(model(x), x)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        auc = anomaly_auc(model, test_dl, device)
        log.info("epoch %d recon %.5f test AUC %.4f", epoch, tot / len(train_dl), auc)
    torch.save({"state_dict": model.state_dict(), "cfg": DEFAULTS}, os.path.join(cfg.out_dir, "ae.pt"))


if __name__ == "__main__":
    main()
