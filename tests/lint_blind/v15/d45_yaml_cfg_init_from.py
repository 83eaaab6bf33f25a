# expect: TVL014
# style: YAML-like nested config object (SimpleNamespace) with CLI overrides, speech keyword spotting fine-tune
# bug: --init-from on the command line sets cfg.model.init_from, and build_model() passes it to torch.load(ckpt_path, map_location=...) without weights_only=True
import argparse
import logging
import os
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger("kws")

BASE_CONFIG = {
    "data": {"n_mels": 40, "frames": 101, "n_keywords": 12, "batch_size": 128},
    "model": {"channels": 64, "init_from": None, "dropout": 0.1},
    "optim": {"lr": 1e-3, "weight_decay": 1e-4, "epochs": 15},
    "output_dir": "kws_out",
}


def to_ns(d):
    return SimpleNamespace(**{k: to_ns(v) if isinstance(v, dict) else v for k, v in d.items()})


def parse_config():
    ap = argparse.ArgumentParser()
    ap.add_argument("--init-from", default=None, help="checkpoint to initialise the model from")
    ap.add_argument("--lr", type=float, default=None)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--output-dir", default=None)
    args = ap.parse_args()
    cfg = to_ns(BASE_CONFIG)
    if args.init_from:
        cfg.model.init_from = args.init_from
    if args.lr:
        cfg.optim.lr = args.lr
    if args.epochs:
        cfg.optim.epochs = args.epochs
    if args.output_dir:
        cfg.output_dir = args.output_dir
    return cfg


class DSConv(nn.Module):
    def __init__(self, c, k=3, dilation=1):
        super().__init__()
        self.dw = nn.Conv1d(c, c, k, padding=dilation * (k // 2), dilation=dilation, groups=c)
        self.pw = nn.Conv1d(c, c, 1)
        self.bn = nn.BatchNorm1d(c)

    def forward(self, x):
        return x + F.relu(self.bn(self.pw(self.dw(x))))


class KWSNet(nn.Module):
    def __init__(self, n_mels, channels, n_keywords, dropout):
        super().__init__()
        self.inp = nn.Conv1d(n_mels, channels, 3, padding=1)
        self.blocks = nn.Sequential(*[DSConv(channels, 3, d) for d in (1, 2, 4, 8)])
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(channels, n_keywords)

    def forward(self, x):
        h = self.blocks(F.relu(self.inp(x)))
        return self.out(self.drop(h.mean(-1)))


def build_model(cfg, device):
    model = KWSNet(cfg.data.n_mels, cfg.model.channels, cfg.data.n_keywords, cfg.model.dropout)
    ckpt_path = cfg.model.init_from
    if ckpt_path:
        ckpt = torch.load(ckpt_path, map_location=device)
        sd = ckpt.get("state_dict", ckpt)
        sd = {k: v for k, v in sd.items() if not k.startswith("out.")}
        model.load_state_dict(sd, strict=False)
        log.info("initialised from %s (%d tensors)", ckpt_path, len(sd))
    return model.to(device)


def make_data(cfg, n, seed):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, cfg.data.n_keywords, (n,), generator=g)
    x = torch.randn(n, cfg.data.n_mels, cfg.data.frames, generator=g)
    x[torch.arange(n), y * 3, :] += 1.5
    return TensorDataset(x, y)


def main():
    cfg = parse_config()
    logging.basicConfig(level=logging.INFO)
    os.makedirs(cfg.output_dir, exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_dl = DataLoader(make_data(cfg, 10000, 0), batch_size=cfg.data.batch_size, shuffle=True)
    val_dl = DataLoader(make_data(cfg, 1500, 1), batch_size=512)
    model = build_model(cfg, device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=cfg.optim.epochs)
    best = 0.0
    for epoch in range(cfg.optim.epochs):
        model.train()
        for x, y in train_dl:
            loss = F.cross_entropy(model(x.to(device)), y.to(device))
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        model.eval()
        with torch.no_grad():
            correct = sum((model(x.to(device)).argmax(1).cpu() == y).sum().item() for x, y in val_dl)
        acc = correct / len(val_dl.dataset)
        log.info("epoch %d val_acc %.4f lr %.2e", epoch, acc, sched.get_last_lr()[0])
        if acc > best:
            best = acc
            torch.save({"state_dict": model.state_dict(), "acc": acc}, os.path.join(cfg.output_dir, "best.pt"))


if __name__ == "__main__":
    main()
