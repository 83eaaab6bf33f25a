# expect: TVL015
# style: Kaggle image-classification kernel (albumentations-free Dataset over a DataFrame sorted by label, timm-ish CNN, fold loop)
# bug: the training DataLoader is built without shuffle=True or a sampler, and the DataFrame it reads is sorted by label
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

CFG = {"n_classes": 5, "img_size": 64, "batch_size": 32, "epochs": 6, "lr": 3e-4}


class LeafDataset(Dataset):
    def __init__(self, df, size):
        self.labels = df["label"].values
        self.size = size

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, idx):
        img = torch.rand(3, self.size, self.size)  # stands in for cv2.imread + transforms
        return img, torch.tensor(self.labels[idx], dtype=torch.long)


def build_model(n_classes):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.SiLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64),
                         nn.SiLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.25), nn.Linear(64, n_classes))


def train_one_epoch(model, loader, optimizer, criterion):
    model.train()
    losses = []
    for imgs, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(imgs), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return float(np.mean(losses))


def valid_one_epoch(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for imgs, labels in loader:
            correct += (model(imgs).argmax(1) == labels).sum().item()
    return correct / len(loader.dataset)


if __name__ == "__main__":
    df = pd.DataFrame({"image_id": [f"{i}.jpg" for i in range(2000)], "label": np.random.randint(0, CFG["n_classes"], 2000)})
    df = df.sort_values("label").reset_index(drop=True)
    df["fold"] = np.arange(len(df)) % 5
    for fold in range(5):
        trn_df, val_df = df[df.fold != fold].reset_index(drop=True), df[df.fold == fold].reset_index(drop=True)
        train_loader = DataLoader(LeafDataset(trn_df, CFG["img_size"]), batch_size=CFG["batch_size"], num_workers=4, drop_last=True)
        valid_loader = DataLoader(LeafDataset(val_df, CFG["img_size"]), batch_size=CFG["batch_size"] * 2, num_workers=4)
        model = build_model(CFG["n_classes"])
        optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
        criterion = nn.CrossEntropyLoss()
        for epoch in range(CFG["epochs"]):
            tl = train_one_epoch(model, train_loader, optimizer, criterion)
            acc = valid_one_epoch(model, valid_loader)
            print(f"fold {fold} epoch {epoch} train_loss {tl:.4f} valid_acc {acc:.4f}")
