# expect: TVL015
# style: config-dict driven data module with make_loader(split, cfg), sound event classification
# bug: make_loader() takes shuffle from l.pop("shuffle", False); the config never sets it, so the training loader is built without shuffling or a sampler.
import argparse
import copy
import json
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("sed")

DEFAULT_CFG = {
    "data": {"n_train": 4000, "n_val": 600, "n_classes": 15, "frames": 200, "mels": 64},
    "loader": {"batch_size": 32, "num_workers": 2, "pin_memory": False, "drop_last": True},
    "optim": {"lr": 1e-3, "weight_decay": 1e-4},
    "epochs": 12,
}


class SoundEvents(Dataset):
    """Recordings grouped by class, as they come out of the metadata csv."""

    def __init__(self, n, n_classes, frames, mels, seed):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.arange(n) * n_classes // n
        self.frames, self.mels, self.g_seed = frames, mels, seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        g = torch.Generator().manual_seed(self.g_seed * 100003 + i)
        y = int(self.labels[i])
        x = torch.randn(1, self.mels, self.frames, generator=g)
        x[:, (y * 4) % self.mels:(y * 4) % self.mels + 4] += 1.0
        return x, y


def make_loader(split, cfg):
    d, l = cfg["data"], dict(cfg["loader"])
    n = d["n_train"] if split == "train" else d["n_val"]
    ds = SoundEvents(n, d["n_classes"], d["frames"], d["mels"], seed=0 if split == "train" else 1)
    shuffle = l.pop("shuffle", False)
    if split != "train":
        l["drop_last"] = False
    return DataLoader(ds, shuffle=shuffle, **l)


class CRNN(nn.Module):
    def __init__(self, n_classes, mels=64):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d((2, 1)),
            nn.Conv2d(64, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d((4, 1)),
        )
        self.gru = nn.GRU(64 * (mels // 16), 128, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(256, n_classes)

    def forward(self, x):
        h = self.cnn(x)
        B, C, F_, T = h.shape
        h, _ = self.gru(h.permute(0, 3, 1, 2).reshape(B, T, C * F_))
        return self.fc(h.max(1).values)


def main(cfg):
    train_dl, val_dl = make_loader("train", cfg), make_loader("val", cfg)
    model = CRNN(cfg["data"]["n_classes"], cfg["data"]["mels"])
    opt = torch.optim.Adam(model.parameters(), **cfg["optim"])
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        hit = 0
        with torch.no_grad():
            for x, y in val_dl:
                hit += (model(x).argmax(1) == y).sum().item()
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train_dl), hit / len(val_dl.dataset))
    torch.save(model.state_dict(), "crnn_sed.pt")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ap = argparse.ArgumentParser()
    ap.add_argument("--override", default="{}", help='json, e.g. {"epochs": 5}')
    args = ap.parse_args()
    cfg = copy.deepcopy(DEFAULT_CFG)
    for k, v in json.loads(args.override).items():
        if isinstance(v, dict):
            cfg[k].update(v)
        else:
            cfg[k] = v
    main(cfg)
