# expect: TVL015
# style: config-dict factory (YAML-like) building all loaders through one build_dataloader function, image-text matching
# bug: build_dataloader reads shuffle from the split config with a default of False and the train split config never sets it, so the training loader is unshuffled
import logging
from types import SimpleNamespace

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("itm")

CONFIG = {
    "data": {
        "train": {"size": 8000, "batch_size": 64, "num_workers": 4, "drop_last": True},
        "val": {"size": 1000, "batch_size": 256, "num_workers": 2},
    },
    "model": {"dim": 256},
    "optim": {"lr": 1e-4, "weight_decay": 0.05},
    "epochs": 10,
}


def to_ns(d):
    return SimpleNamespace(**{k: to_ns(v) if isinstance(v, dict) else v for k, v in d.items()})


class ITMDataset(Dataset):
    """Image-text matching pairs; negatives are made by rolling the caption index."""

    def __init__(self, size, seed):
        g = torch.Generator().manual_seed(seed)
        self.img = torch.randn(size, 512, generator=g)
        self.txt = torch.randn(size, 384, generator=g)
        self.match = torch.rand(size, generator=g) < 0.5

    def __len__(self):
        return len(self.img)

    def __getitem__(self, i):
        j = i if self.match[i] else (i + 1) % len(self.img)
        return self.img[i], self.txt[j], self.match[i].float()


def build_dataset(split, cfg):
    return ITMDataset(cfg.size, seed=0 if split == "train" else 1)


def build_dataloader(split, cfg):
    dcfg = getattr(cfg.data, split)
    ds = build_dataset(split, dcfg)
    return DataLoader(ds, batch_size=dcfg.batch_size, shuffle=getattr(dcfg, "shuffle", False),
                      num_workers=dcfg.num_workers, drop_last=getattr(dcfg, "drop_last", False))


class ITMHead(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.img_proj = nn.Linear(512, dim)
        self.txt_proj = nn.Linear(384, dim)
        self.fuse = nn.Sequential(nn.Linear(3 * dim, dim), nn.GELU(), nn.Linear(dim, 1))

    def forward(self, img, txt):
        a, b = self.img_proj(img), self.txt_proj(txt)
        return self.fuse(torch.cat([a, b, a * b], -1)).squeeze(-1)


def evaluate(model, loader):
    model.eval()
    correct = n = 0
    with torch.no_grad():
        for img, txt, y in loader:
            correct += ((model(img, txt) > 0).float() == y).sum().item()
            n += len(y)
    model.train()
    return correct / n


def main():
    logging.basicConfig(level=logging.INFO)
    cfg = to_ns(CONFIG)
    train_loader = build_dataloader("train", cfg)
    val_loader = build_dataloader("val", cfg)
    model = ITMHead(cfg.model.dim)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.optim.lr, weight_decay=cfg.optim.weight_decay)
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for img, txt, y in train_loader:
            loss = F.binary_cross_entropy_with_logits(model(img, txt), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f val_acc %.4f", epoch, tot / len(train_loader), evaluate(model, val_loader))
    torch.save(model.state_dict(), "itm_head.pt")


if __name__ == "__main__":
    main()
