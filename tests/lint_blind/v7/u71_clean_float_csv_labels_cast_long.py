# expect: clean
# style: Kaggle kernel reading labels from a float column, multi-head (class + binary flag) plant disease classification
# note: the labels arrive as float32 from the dataframe, which looks like TVL009, but the class target is cast with .long() inside the Dataset before F.cross_entropy, and only the binary flag stays float for BCEWithLogits.
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

rng = np.random.default_rng(11)
N, N_CLASSES = 3000, 12
meta = pd.DataFrame({
    "image_id": [f"leaf_{i}" for i in range(N)],
    "label": rng.integers(0, N_CLASSES, N).astype("float32"),
    "is_healthy": (rng.random(N) < 0.3).astype("float32"),
})
meta["fold"] = rng.integers(0, 5, N)


class LeafDataset(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)
        self.labels = torch.tensor(self.df["label"].values).long()
        self.healthy = torch.tensor(self.df["is_healthy"].values, dtype=torch.float32)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        img = torch.rand(3, 96, 96)
        return img, self.labels[i], self.healthy[i]


class LeafNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.cls_head = nn.Linear(128, N_CLASSES)
        self.flag_head = nn.Linear(128, 1)

    def forward(self, x):
        f = self.body(x)
        return self.cls_head(f), self.flag_head(f).squeeze(1)


trn, val = meta[meta.fold != 0], meta[meta.fold == 0]
train_loader = DataLoader(LeafDataset(trn), batch_size=32, shuffle=True, num_workers=2)
valid_loader = DataLoader(LeafDataset(val), batch_size=64, shuffle=False, num_workers=2)
model = LeafNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)

for epoch in range(10):
    model.train()
    losses = []
    for img, label, healthy in train_loader:
        cls_logits, flag_logit = model(img)
        loss = F.cross_entropy(cls_logits, label) + 0.5 * F.binary_cross_entropy_with_logits(flag_logit, healthy)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    scheduler.step()
    model.eval()
    correct = 0
    with torch.no_grad():
        for img, label, _ in valid_loader:
            correct += (model(img)[0].argmax(1) == label).sum().item()
    print(f"epoch {epoch} loss {np.mean(losses):.4f} acc {correct / len(val):.4f}")

# out-of-fold predictions for the blend (valid loader is unshuffled, so rows line up with `val`)
model.eval()
oof = []
with torch.no_grad():
    for img, _, _ in valid_loader:
        cls_logits, flag_logit = model(img)
        oof.append(torch.cat([cls_logits.softmax(1), torch.sigmoid(flag_logit)[:, None]], 1).numpy())
oof = pd.DataFrame(np.concatenate(oof), columns=[f"p{k}" for k in range(N_CLASSES)] + ["p_healthy"])
oof.insert(0, "image_id", val["image_id"].values)
oof.to_csv("oof_fold0.csv", index=False)
torch.save(model.state_dict(), "leafnet_fold0.pth")
