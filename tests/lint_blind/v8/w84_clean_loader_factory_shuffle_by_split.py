# expect: clean
# style: config-dict + build_dataloader(split) factory, road-sign detection-lite (classification + box regression)
# note: a single factory builds train and val loaders with shuffle decided by a config flag (looks like it could drop shuffling), but the train split's config sets shuffle=True and the val split's False; evaluation is order-independent anyway
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = {
    "data": {
        "train": {"n": 5000, "shuffle": True, "batch_size": 32, "drop_last": True, "seed": 0},
        "val": {"n": 800, "shuffle": False, "batch_size": 64, "drop_last": False, "seed": 1},
    },
    "num_classes": 43,
    "epochs": 20,
    "lr": 1e-3,
    "box_weight": 5.0,
    "work_dir": "work_dirs/signs",
}


class SignCrops(Dataset):
    def __init__(self, n, n_classes, seed):
        g = torch.Generator().manual_seed(seed)
        self.labels = torch.randint(0, n_classes, (n,), generator=g)
        self.boxes = torch.rand(n, 4, generator=g).sort(dim=1).values  # x1<y1<x2<y2-ish, normalised
        self.seed = seed

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return torch.randn(3, 48, 48), self.labels[i], self.boxes[i]


def build_dataloader(split, cfg):
    dc = cfg["data"][split]
    ds = SignCrops(dc["n"], cfg["num_classes"], dc["seed"])
    return DataLoader(ds, batch_size=dc["batch_size"], shuffle=dc["shuffle"], drop_last=dc["drop_last"],
                      num_workers=2, pin_memory=torch.cuda.is_available())


class SignNet(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.cls = nn.Linear(128, n_classes)
        self.box = nn.Linear(128, 4)

    def forward(self, x):
        h = self.body(x)
        return self.cls(h), torch.sigmoid(self.box(h))


def iou(a, b):
    lt = torch.max(a[:, :2], b[:, :2])
    rb = torch.min(a[:, 2:], b[:, 2:])
    inter = (rb - lt).clamp(min=0).prod(1)
    area = lambda z: (z[:, 2:] - z[:, :2]).clamp(min=0).prod(1)
    return inter / (area(a) + area(b) - inter + 1e-6)


def main(cfg):
    os.makedirs(cfg["work_dir"], exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader, val_loader = build_dataloader("train", cfg), build_dataloader("val", cfg)
    model = SignNet(cfg["num_classes"]).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for img, lab, box in train_loader:
            img, lab, box = img.to(device), lab.to(device), box.to(device)
            logits, pbox = model(img)
            loss = F.cross_entropy(logits, lab) + cfg["box_weight"] * F.smooth_l1_loss(pbox, box)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        acc = miou = n = 0.0
        with torch.no_grad():
            for img, lab, box in val_loader:
                logits, pbox = model(img.to(device))
                acc += (logits.argmax(1).cpu() == lab).sum().item()
                miou += iou(pbox.cpu(), box).sum().item()
                n += lab.numel()
        print(f"epoch {epoch} loss {tot / len(train_loader):.4f} acc {acc / n:.4f} mIoU {miou / n:.4f}")
    torch.save(model.state_dict(), os.path.join(cfg["work_dir"], "signnet.pth"))


if __name__ == "__main__":
    main(CFG)
