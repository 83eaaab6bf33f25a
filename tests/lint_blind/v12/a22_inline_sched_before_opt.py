# expect: TVL007
# style: Kaggle audio-tagging kernel (mel-spectrogram CNN), OneCycle per batch, inline
# bug: scheduler.step() is called before optimizer.step() inside the batch loop
import gc
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import f1_score
from torch.utils.data import DataLoader, Dataset

CFG = {"seed": 7, "n_classes": 24, "epochs": 12, "bs": 32, "max_lr": 1e-3, "n_mels": 128}

random.seed(CFG["seed"])
np.random.seed(CFG["seed"])
torch.manual_seed(CFG["seed"])


class MelDataset(Dataset):
    def __init__(self, n, train=True):
        self.x = np.random.randn(n, 1, CFG["n_mels"], 256).astype(np.float32)
        self.y = (np.random.rand(n, CFG["n_classes"]) < 0.08).astype(np.float32)
        self.train = train

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i]
        if self.train:
            shift = np.random.randint(0, 64)
            x = np.roll(x, shift, axis=-1)
        return torch.from_numpy(x), torch.from_numpy(self.y[i])


class AudioCNN(nn.Module):
    def __init__(self, n_classes):
        super().__init__()
        def blk(i, o):
            return nn.Sequential(nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(),
                                 nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.AvgPool2d(2))
        self.features = nn.Sequential(blk(1, 32), blk(32, 64), blk(64, 128), blk(128, 256))
        self.fc = nn.Sequential(nn.Dropout(0.3), nn.Linear(256, n_classes))

    def forward(self, x):
        x = self.features(x)
        x = x.mean(dim=3)
        x = x.max(dim=2).values
        return self.fc(x)


train_ds = MelDataset(1600, train=True)
valid_ds = MelDataset(400, train=False)
train_loader = DataLoader(train_ds, batch_size=CFG["bs"], shuffle=True, num_workers=2, pin_memory=True)
valid_loader = DataLoader(valid_ds, batch_size=CFG["bs"] * 2, shuffle=False)

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
model = AudioCNN(CFG["n_classes"]).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=CFG["max_lr"] / 25, weight_decay=1e-3)
scheduler = torch.optim.lr_scheduler.OneCycleLR(
    optimizer, max_lr=CFG["max_lr"], epochs=CFG["epochs"], steps_per_epoch=len(train_loader), pct_start=0.2
)

best_f1 = 0
for epoch in range(CFG["epochs"]):
    model.train()
    avg_loss = 0.0
    for x, y in train_loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        logits = model(x)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        loss.backward()
        scheduler.step()
        optimizer.step()
        avg_loss += loss.item() / len(train_loader)

    model.eval()
    preds, targs = [], []
    with torch.no_grad():
        for x, y in valid_loader:
            preds.append(torch.sigmoid(model(x.to(device))).cpu().numpy())
            targs.append(y.numpy())
    preds, targs = np.concatenate(preds), np.concatenate(targs)
    f1 = f1_score(targs, preds > 0.5, average="micro", zero_division=0)
    print(f"Epoch {epoch + 1} - avg_train_loss: {avg_loss:.4f}  val_f1: {f1:.4f}  lr: {scheduler.get_last_lr()[0]:.6f}")
    if f1 > best_f1:
        best_f1 = f1
        torch.save(model.state_dict(), "audio_best.pth")
    gc.collect()

print("best micro-F1", best_f1)
