# expect: TVL014
# style: YAML-free config + CLI override pattern (ultralytics-like), object-count regression from a pretrained encoder
# bug: --pretrained comes from the command line and load_pretrained() explicitly calls torch.load(..., weights_only=False) to accept "legacy" checkpoints.
import argparse
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

DEFAULTS = dict(epochs=15, batch=32, lr=1e-3, imgsz=96, pretrained="", freeze_bn=False)


def get_cfg(argv=None):
    ap = argparse.ArgumentParser()
    for k, v in DEFAULTS.items():
        ap.add_argument(f"--{k}", type=type(v) if not isinstance(v, bool) else int, default=v)
    return SimpleNamespace(**vars(ap.parse_args(argv)))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU(),
        )

    def forward(self, x):
        return self.body(x).mean((2, 3))


class Counter(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Sequential(nn.Linear(128, 64), nn.SiLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.head(self.encoder(x)).squeeze(-1)


def load_pretrained(model, path):
    ckpt = torch.load(path, map_location="cpu", weights_only=False)  # old checkpoints pickle the whole model
    if isinstance(ckpt, nn.Module):
        ckpt = ckpt.state_dict()
    sd = ckpt.get("model", ckpt)
    enc = {k[len("encoder."):]: v for k, v in sd.items() if k.startswith("encoder.")}
    missing, unexpected = model.encoder.load_state_dict(enc, strict=False)
    print(f"pretrained: {len(enc)} tensors, missing={len(missing)} unexpected={len(unexpected)}")


def train(cfg):
    model = Counter()
    if cfg.pretrained:
        load_pretrained(model, cfg.pretrained)
    x = torch.rand(1500, 3, cfg.imgsz, cfg.imgsz)
    counts = torch.randint(0, 40, (1500,)).float()
    loader = DataLoader(TensorDataset(x, counts), batch_size=cfg.batch, shuffle=True)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for imgs, c in loader:
            loss = F.smooth_l1_loss(model(imgs), c)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(c)
        print(f"epoch {epoch} smooth-l1 {tot / len(loader.dataset):.3f}")


if __name__ == "__main__":
    train(get_cfg())
