# expect: TVL004
# style: Kaggle kernel, image classifier with inline validation at the end of each epoch
# bug: model.train() is called once before the epoch loop; the inline validation block calls model.eval() and training continues in eval mode (BatchNorm frozen, dropout off) from epoch 2
import os
import time

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class CFG:
    seed = 2024
    img_size = 64
    n_classes = 5
    epochs = 10
    lr = 1e-3
    bs = 32
    out_dir = "./"


class LeafDataset(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        rng = np.random.default_rng(int(self.df.loc[i, "image_id"]))
        img = rng.normal(size=(3, CFG.img_size, CFG.img_size)).astype(np.float32)
        return torch.from_numpy(img), int(self.df.loc[i, "label"])


def get_model():
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(64, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, CFG.n_classes))


torch.manual_seed(CFG.seed)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
df = pd.DataFrame({"image_id": np.arange(3000), "label": np.random.randint(0, CFG.n_classes, 3000)})
df["fold"] = df.index % 5
trn_df, val_df = df[df.fold != 0], df[df.fold == 0]
train_loader = DataLoader(LeafDataset(trn_df), batch_size=CFG.bs, shuffle=True, num_workers=2, drop_last=True)
valid_loader = DataLoader(LeafDataset(val_df), batch_size=CFG.bs * 2, shuffle=False, num_workers=2)

model = get_model().to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=CFG.lr)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG.epochs, eta_min=1e-6)
criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
best_score = 0.0

model.train()
for epoch in range(CFG.epochs):
    start = time.time()
    avg_loss = 0.0
    for step, (images, labels) in enumerate(train_loader):
        images, labels = images.to(device), labels.to(device)
        y_preds = model(images)
        loss = criterion(y_preds, labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        avg_loss += loss.item() / len(train_loader)
    scheduler.step()

    # ---- validation ----
    model.eval()
    preds = []
    with torch.no_grad():
        for images, labels in valid_loader:
            preds.append(model(images.to(device)).softmax(1).cpu().numpy())
    preds = np.concatenate(preds)
    score = (preds.argmax(1) == val_df["label"].values).mean()
    elapsed = time.time() - start
    print(f"Epoch {epoch+1} - avg_train_loss: {avg_loss:.4f} accuracy: {score:.4f} time: {elapsed:.0f}s")
    if score > best_score:
        best_score = score
        torch.save({"model": model.state_dict(), "preds": preds}, os.path.join(CFG.out_dir, "best.pth"))
        print(f"Epoch {epoch+1} - Save Best Score: {best_score:.4f} Model")
