# expect: TVL016
# style: Kaggle kernel with mixed precision (torch.cuda.amp), image regression (pet popularity score)
# bug: the AMP loop calls scaler.scale(loss).backward() and scaler.step(optimizer) but never scaler.update(), so the loss scale is never adjusted (and after an inf step it never recovers).
import os
import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.cuda.amp import GradScaler, autocast
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed=42):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed(seed)


seed_everything()
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
CFG = {"epochs": 8, "bs": 32, "lr": 2e-4, "img": 128}

df = pd.DataFrame({"Id": [f"img_{i:05d}" for i in range(2400)], "Pawpularity": np.random.randint(1, 101, 2400)})
df["fold"] = np.arange(len(df)) % 5


class PetDS(Dataset):
    def __init__(self, frame):
        self.frame = frame.reset_index(drop=True)

    def __len__(self):
        return len(self.frame)

    def __getitem__(self, i):
        img = torch.rand(3, CFG["img"], CFG["img"])
        target = torch.tensor(self.frame.loc[i, "Pawpularity"] / 100.0, dtype=torch.float32)
        return img, target


class PawNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(128, 1)

    def forward(self, x):
        return self.fc(self.cnn(x)).squeeze(1)


for fold in range(2):
    trn, val = df[df.fold != fold], df[df.fold == fold]
    train_loader = DataLoader(PetDS(trn), batch_size=CFG["bs"], shuffle=True, num_workers=2, drop_last=True)
    valid_loader = DataLoader(PetDS(val), batch_size=CFG["bs"] * 2, shuffle=False, num_workers=2)
    model = PawNet().to(DEVICE)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=1e-6)
    criterion = nn.BCEWithLogitsLoss()
    scaler = GradScaler()
    best_rmse = np.inf
    for epoch in range(CFG["epochs"]):
        model.train()
        for imgs, targets in train_loader:
            imgs, targets = imgs.to(DEVICE), targets.to(DEVICE)
            optimizer.zero_grad()
            with autocast():
                loss = criterion(model(imgs), targets)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
        model.eval()
        preds = []
        with torch.no_grad():
            for imgs, _ in valid_loader:
                preds.append(torch.sigmoid(model(imgs.to(DEVICE))).cpu().numpy() * 100)
        rmse = np.sqrt(np.mean((np.concatenate(preds) - val.Pawpularity.values) ** 2))
        print(f"fold {fold} epoch {epoch} RMSE {rmse:.3f}")
        if rmse < best_rmse:
            best_rmse = rmse
            torch.save(model.state_dict(), f"pawnet_fold{fold}.pth")
