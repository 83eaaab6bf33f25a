# expect: TVL015
# style: config-dict + build_dataloaders() factory, image captioning-lite (image -> bag of caption words, multi-label)
# bug: build_dataloaders() creates the 'train' loader with drop_last/pin_memory/persistent_workers but no shuffle=True and no sampler; the loader is sequential every epoch over a dataset stored in collection order
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CONFIG = dict(
    data=dict(n_train=6000, n_val=800, img=64, vocab=1000),
    loader=dict(batch_size=48, num_workers=2),
    model=dict(width=48),
    optim=dict(lr=4e-4, weight_decay=0.05),
    epochs=15,
    out="runs/bow_caption",
)


class CaptionBoW(Dataset):
    """Images collected album by album; targets are multi-hot caption words."""

    def __init__(self, n, img, vocab, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.album = torch.arange(n) // 200
        self.targets = torch.zeros(n, vocab)
        for i in range(n):
            words = torch.randint(0, vocab, (8,), generator=g) % (50 + int(self.album[i]) * 10)
            self.targets[i, words] = 1.0
        self.img = img

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return torch.randn(3, self.img, self.img) + self.album[i] * 0.01, self.targets[i]


def build_datasets(cfg):
    d = cfg["data"]
    return {"train": CaptionBoW(d["n_train"], d["img"], d["vocab"]),
            "val": CaptionBoW(d["n_val"], d["img"], d["vocab"], seed=1)}


def build_dataloaders(datasets, cfg):
    lc = cfg["loader"]
    loaders = {}
    for split, ds in datasets.items():
        is_train = split == "train"
        loaders[split] = DataLoader(
            ds,
            batch_size=lc["batch_size"] if is_train else lc["batch_size"] * 2,
            num_workers=lc["num_workers"],
            pin_memory=torch.cuda.is_available(),
            drop_last=is_train,
            persistent_workers=lc["num_workers"] > 0,
        )
    return loaders


class Tagger(nn.Module):
    def __init__(self, width, vocab):
        super().__init__()
        w = width
        self.cnn = nn.Sequential(
            nn.Conv2d(3, w, 3, 2, 1), nn.BatchNorm2d(w), nn.GELU(),
            nn.Conv2d(w, 2 * w, 3, 2, 1), nn.BatchNorm2d(2 * w), nn.GELU(),
            nn.Conv2d(2 * w, 4 * w, 3, 2, 1), nn.BatchNorm2d(4 * w), nn.GELU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(4 * w, vocab)

    def forward(self, x):
        return self.head(self.cnn(x))


def precision_at_k(logits, targets, k=5):
    top = logits.topk(k, dim=1).indices
    return targets.gather(1, top).mean().item()


def main(cfg):
    os.makedirs(cfg["out"], exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    loaders = build_dataloaders(build_datasets(cfg), cfg)
    model = Tagger(cfg["model"]["width"], cfg["data"]["vocab"]).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), **cfg["optim"])

    for epoch in range(cfg["epochs"]):
        model.train()
        tl = 0.0
        for img, tgt in loaders["train"]:
            img, tgt = img.to(device), tgt.to(device)
            optimizer.zero_grad(set_to_none=True)
            loss = F.binary_cross_entropy_with_logits(model(img), tgt)
            loss.backward()
            optimizer.step()
            tl += loss.item()
        model.eval()
        p5, nb = 0.0, 0
        with torch.no_grad():
            for img, tgt in loaders["val"]:
                p5 += precision_at_k(model(img.to(device)).cpu(), tgt)
                nb += 1
        print(f"epoch {epoch:02d} bce {tl / len(loaders['train']):.4f} P@5 {p5 / nb:.4f}")
        torch.save(model.state_dict(), os.path.join(cfg["out"], "last.pt"))


if __name__ == "__main__":
    main(CONFIG)
