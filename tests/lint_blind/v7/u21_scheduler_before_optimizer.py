# expect: TVL007
# style: Kaggle kernel, audio-spectrogram multi-label tagging with OneCycleLR
# bug: scheduler.step() is called before optimizer.step() inside the batch loop, so the first value of the schedule is skipped and the LR runs one step ahead.
import gc
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, Dataset

CFG = dict(n_classes=24, epochs=12, lr=3e-3, bs=32, n_mels=64, frames=256, seed=2021)
torch.manual_seed(CFG["seed"])
np.random.seed(CFG["seed"])


class SpecDS(Dataset):
    def __init__(self, n):
        self.x = np.random.randn(n, 1, CFG["n_mels"], CFG["frames"]).astype("float32")
        self.y = (np.random.rand(n, CFG["n_classes"]) > 0.9).astype("float32")

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return torch.from_numpy(self.x[i]), torch.from_numpy(self.y[i])


class AudioCNN(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        def blk(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.AvgPool2d(2))
        self.features = nn.Sequential(blk(1, 32), blk(32, 64), blk(64, 128), blk(128, 256))
        self.att = nn.Conv1d(256, n_classes, 1)
        self.cla = nn.Conv1d(256, n_classes, 1)

    def forward(self, x):
        h = self.features(x).mean(2)
        w = torch.softmax(torch.tanh(self.att(h)), dim=-1)
        return (w * self.cla(h)).sum(-1)


train_ds, valid_ds = SpecDS(1200), SpecDS(300)
train_loader = DataLoader(train_ds, batch_size=CFG["bs"], shuffle=True, num_workers=2, drop_last=True)
valid_loader = DataLoader(valid_ds, batch_size=64, shuffle=False, num_workers=2)

device = "cuda" if torch.cuda.is_available() else "cpu"
model = AudioCNN(CFG["n_classes"]).to(device)
criterion = nn.BCEWithLogitsLoss()
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["lr"], weight_decay=1e-3)
scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=CFG["lr"], epochs=CFG["epochs"],
                                                steps_per_epoch=len(train_loader), pct_start=0.25)
best_f1 = 0.0
log = []

for epoch in range(CFG["epochs"]):
    model.train()
    losses = []
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        scheduler.step()
        optimizer.step()
        losses.append(loss.item())

    model.eval()
    probs, targs = [], []
    with torch.no_grad():
        for x, y in valid_loader:
            probs.append(torch.sigmoid(model(x.to(device))).cpu().numpy())
            targs.append(y.numpy())
    probs, targs = np.concatenate(probs), np.concatenate(targs)
    f1 = f1_score(targs, probs > 0.5, average="micro", zero_division=0)
    log.append({"epoch": epoch, "loss": np.mean(losses), "f1": f1, "lr": scheduler.get_last_lr()[0]})
    print(log[-1])
    if f1 > best_f1:
        best_f1 = f1
        torch.save(model.state_dict(), "best_audio.pth")
    gc.collect()

pd.DataFrame(log).to_csv("train_log.csv", index=False)
print("done, best f1", best_f1, "saved:", os.path.exists("best_audio.pth"))
