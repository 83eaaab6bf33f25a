# expect: TVL007
# style: config-dict factories (optimizer/scheduler builders), object detection-like keypoint regression
# bug: build_scheduler creates StepLR(step_size=cfg['lr_step_epochs']) measured in epochs, but train_one_epoch calls scheduler.step() after every batch, so the LR decays after 30 iterations instead of 30 epochs
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = {
    "num_keypoints": 17,
    "img": 128,
    "batch_size": 32,
    "epochs": 90,
    "optimizer": {"name": "adam", "lr": 1e-3, "weight_decay": 1e-4},
    "scheduler": {"name": "step", "lr_step_epochs": 30, "gamma": 0.1},
    "work_dir": "work_dirs/kpt",
}


class PoseData(Dataset):
    def __init__(self, n, cfg, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.imgs = torch.rand(n, 3, cfg["img"], cfg["img"], generator=g)
        self.kpts = torch.rand(n, cfg["num_keypoints"], 2, generator=g)
        self.vis = (torch.rand(n, cfg["num_keypoints"], generator=g) > 0.2).float()

    def __len__(self):
        return len(self.imgs)

    def __getitem__(self, i):
        return self.imgs[i], self.kpts[i], self.vis[i]


class KeypointNet(nn.Module):
    def __init__(self, k):
        super().__init__()
        chans = [3, 32, 64, 128, 256]
        layers = []
        for a, b in zip(chans[:-1], chans[1:]):
            layers += [nn.Conv2d(a, b, 3, stride=2, padding=1), nn.BatchNorm2d(b), nn.ReLU(inplace=True)]
        self.backbone = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, k * 2))
        self.k = k

    def forward(self, x):
        return self.head(self.backbone(x)).view(-1, self.k, 2).sigmoid()


def build_optimizer(model, cfg):
    oc = cfg["optimizer"]
    if oc["name"] == "adam":
        return torch.optim.Adam(model.parameters(), lr=oc["lr"], weight_decay=oc["weight_decay"])
    return torch.optim.SGD(model.parameters(), lr=oc["lr"], momentum=0.9, weight_decay=oc["weight_decay"])


def build_scheduler(optimizer, cfg):
    sc = cfg["scheduler"]
    if sc["name"] == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=sc["lr_step_epochs"], gamma=sc["gamma"])
    raise ValueError(sc["name"])


def masked_l1(pred, target, vis):
    err = (pred - target).abs().sum(-1)
    return (err * vis).sum() / vis.sum().clamp(min=1.0)


def train_one_epoch(model, loader, optimizer, scheduler, device):
    model.train()
    total = 0.0
    for img, kpt, vis in loader:
        img, kpt, vis = img.to(device), kpt.to(device), vis.to(device)
        optimizer.zero_grad()
        loss = masked_l1(model(img), kpt, vis)
        loss.backward()
        optimizer.step()
        scheduler.step()
        total += loss.item()
    return total / len(loader)


@torch.no_grad()
def evaluate(model, loader, device, thr=0.05):
    model.eval()
    correct = count = 0.0
    for img, kpt, vis in loader:
        pred = model(img.to(device)).cpu()
        d = (pred - kpt).norm(dim=-1)
        correct += ((d < thr).float() * vis).sum().item()
        count += vis.sum().item()
    return correct / max(count, 1)


def main(cfg):
    os.makedirs(cfg["work_dir"], exist_ok=True)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train_loader = DataLoader(PoseData(2000, cfg), batch_size=cfg["batch_size"], shuffle=True, num_workers=2)
    val_loader = DataLoader(PoseData(300, cfg, seed=5), batch_size=64, num_workers=2)
    model = KeypointNet(cfg["num_keypoints"]).to(device)
    optimizer = build_optimizer(model, cfg)
    scheduler = build_scheduler(optimizer, cfg)

    history = []
    for epoch in range(cfg["epochs"]):
        loss = train_one_epoch(model, train_loader, optimizer, scheduler, device)
        pck = evaluate(model, val_loader, device)
        history.append({"epoch": epoch, "loss": loss, "pck@0.05": pck, "lr": scheduler.get_last_lr()[0]})
        print(json.dumps(history[-1]))
    json.dump(history, open(os.path.join(cfg["work_dir"], "history.json"), "w"))
    torch.save(model.state_dict(), os.path.join(cfg["work_dir"], "final.pth"))


if __name__ == "__main__":
    main(CFG)
