# expect: TVL007
# style: Kaggle kernel, image regression (age estimation) with OneCycleLR
# bug: scheduler.step() is called before optimizer.step() in the batch loop, so the first LR value of the cycle is skipped and the schedule runs one step ahead.
import os
import random
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

CFG = dict(epochs=10, bs=64, max_lr=3e-3, img=96, seed=7)
torch.manual_seed(CFG["seed"])


class FacesDS(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        img = torch.randn(3, CFG["img"], CFG["img"])
        return img, torch.tensor(self.df.loc[i, "age"], dtype=torch.float32)


df = pd.DataFrame({"id": np.arange(4000), "age": np.random.uniform(1, 90, 4000)})
df["fold"] = df.index % 5
trn, val = df[df.fold != 0], df[df.fold == 0]
train_loader = DataLoader(FacesDS(trn), batch_size=CFG["bs"], shuffle=True, num_workers=2, drop_last=True)
valid_loader = DataLoader(FacesDS(val), batch_size=CFG["bs"] * 2, shuffle=False)


class AgeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.SiLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.SiLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.reg = nn.Linear(128, 1)

    def forward(self, x):
        return self.reg(self.cnn(x)).squeeze(1)


model = AgeNet()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["max_lr"] / 25, weight_decay=1e-2)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=CFG["max_lr"], epochs=CFG["epochs"], steps_per_epoch=len(train_loader))
criterion = nn.L1Loss()

best_mae = 1e9
for epoch in range(CFG["epochs"]):
    model.train()
    losses = []
    for imgs, ages in train_loader:
        optimizer.zero_grad()
        preds = model(imgs)
        loss = criterion(preds, ages)
        loss.backward()
        scheduler.step()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    maes = []
    with torch.no_grad():
        for imgs, ages in valid_loader:
            maes.append((model(imgs) - ages).abs().mean().item())
    mae = float(np.mean(maes))
    print(f"Epoch {epoch}: train L1 {np.mean(losses):.3f}  valid MAE {mae:.3f}  lr {scheduler.get_last_lr()[0]:.2e}")
    if mae < best_mae:
        best_mae = mae
        torch.save(model.state_dict(), "agenet_fold0.pth")
