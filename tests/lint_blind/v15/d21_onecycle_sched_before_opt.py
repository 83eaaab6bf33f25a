# expect: TVL007
# style: Kaggle kernel, image regression (age estimation) with OneCycleLR
# bug: inside the batch loop scheduler.step() is called before optimizer.step(), so the schedule runs one step ahead and the first LR value is skipped
import gc
import os
import random

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    seed = 42
    img_size = 96
    batch_size = 48
    epochs = 6
    max_lr = 3e-3
    n_folds = 4
    out_dir = "./"


def seed_everything(seed):
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


seed_everything(CFG.seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

n = 3000
train_df = pd.DataFrame({"image_id": [f"img_{i:05d}" for i in range(n)], "age": np.random.uniform(1, 90, n)})
train_df["fold"] = np.arange(n) % CFG.n_folds


class FaceDataset(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        age = self.df.loc[idx, "age"]
        img = torch.randn(3, CFG.img_size, CFG.img_size) + age / 90.0
        return img, torch.tensor(age / 90.0, dtype=torch.float32)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(128, 1)

    def forward(self, x):
        return self.fc(self.backbone(x)).view(-1)


def train_fn(loader, model, criterion, optimizer, scheduler):
    model.train()
    losses = []
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        preds = model(images)
        loss = criterion(preds, labels)
        optimizer.zero_grad()
        loss.backward()
        scheduler.step()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def valid_fn(loader, model, criterion):
    model.eval()
    losses, preds_all = [], []
    with torch.no_grad():
        for images, labels in loader:
            preds = model(images.to(device))
            losses.append(criterion(preds, labels.to(device)).item())
            preds_all.append(preds.cpu().numpy())
    return float(np.mean(losses)), np.concatenate(preds_all)


oof = np.zeros(len(train_df))
for fold in range(CFG.n_folds):
    print(f"========== fold: {fold} training ==========")
    trn_idx = train_df[train_df.fold != fold].index
    val_idx = train_df[train_df.fold == fold].index
    train_loader = DataLoader(FaceDataset(train_df.loc[trn_idx]), batch_size=CFG.batch_size, shuffle=True, drop_last=True)
    valid_loader = DataLoader(FaceDataset(train_df.loc[val_idx]), batch_size=CFG.batch_size * 2, shuffle=False)

    model = AgeNet().to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=CFG.max_lr / 25, weight_decay=1e-4)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=CFG.max_lr, epochs=CFG.epochs, steps_per_epoch=len(train_loader))
    criterion = nn.SmoothL1Loss()

    best = np.inf
    for epoch in range(CFG.epochs):
        tr = train_fn(train_loader, model, criterion, optimizer, scheduler)
        vl, preds = valid_fn(valid_loader, model, criterion)
        mae = np.abs(preds * 90 - train_df.loc[val_idx, "age"].values).mean()
        print(f"Epoch {epoch + 1} - train {tr:.4f} valid {vl:.4f} MAE(years) {mae:.2f}")
        if vl < best:
            best = vl
            oof[val_idx] = preds * 90
            torch.save(model.state_dict(), os.path.join(CFG.out_dir, f"agenet_fold{fold}.pth"))
    del model, optimizer
    gc.collect()

print("CV MAE:", np.abs(oof - train_df.age.values).mean())
