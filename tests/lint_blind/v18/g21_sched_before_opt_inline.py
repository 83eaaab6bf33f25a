# expect: TVL007
# style: Kaggle-style image regression loop with OneCycleLR stepped per batch
# bug: scheduler.step() is called before optimizer.step() inside the batch loop, so the first LR of the one-cycle schedule is skipped and the schedule is shifted by one step.
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = dict(seed=7, epochs=12, bs=32, max_lr=3e-3, img=64, folds=5, out_dir="./models")
os.makedirs(CFG["out_dir"], exist_ok=True)
np.random.seed(CFG["seed"])
torch.manual_seed(CFG["seed"])

# synthetic stand-in for train.csv with an "Id" and "Pawpularity"-like target in [0, 1]
df = pd.DataFrame({"Id": [f"img_{i:05d}" for i in range(2500)], "target": np.random.rand(2500)})
df["fold"] = np.arange(len(df)) % CFG["folds"]


class PetDS(Dataset):
    def __init__(self, frame):
        self.frame = frame.reset_index(drop=True)

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, i):
        t = float(self.frame.loc[i, "target"])
        img = torch.rand(3, CFG["img"], CFG["img"]) * 0.5 + t * 0.5
        return img, torch.tensor([t], dtype=torch.float32)


def make_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.SiLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.SiLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.SiLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, 1),
    )


device = "cuda" if torch.cuda.is_available() else "cpu"
criterion = nn.BCEWithLogitsLoss()
oof_rmse = []

for fold in range(CFG["folds"]):
    trn = df[df.fold != fold]
    val = df[df.fold == fold]
    train_loader = DataLoader(PetDS(trn), batch_size=CFG["bs"], shuffle=True, drop_last=True)
    valid_loader = DataLoader(PetDS(val), batch_size=CFG["bs"] * 2, shuffle=False)

    model = make_model().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["max_lr"] / 25, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=CFG["max_lr"], epochs=CFG["epochs"], steps_per_epoch=len(train_loader), pct_start=0.25
    )

    best = np.inf
    for epoch in range(CFG["epochs"]):
        model.train()
        losses = []
        for images, targets in train_loader:
            images, targets = images.to(device), targets.to(device)
            optimizer.zero_grad()
            loss = criterion(model(images), targets)
            loss.backward()
            scheduler.step()
            optimizer.step()
            losses.append(loss.item())

        model.eval()
        preds = []
        with torch.no_grad():
            for images, targets in valid_loader:
                preds.append(torch.sigmoid(model(images.to(device))).cpu())
        preds = torch.cat(preds).squeeze(1).numpy()
        rmse = float(np.sqrt(np.mean((preds - val.target.values) ** 2)) * 100)
        if rmse < best:
            best = rmse
            torch.save(model.state_dict(), f"{CFG['out_dir']}/fold{fold}.pt")
        print(f"fold {fold} epoch {epoch} train_bce {np.mean(losses):.4f} val_rmse {rmse:.3f}")
    oof_rmse.append(best)

print("CV RMSE:", np.mean(oof_rmse), oof_rmse)
