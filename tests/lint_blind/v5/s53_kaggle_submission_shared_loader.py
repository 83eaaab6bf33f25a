# expect: TVL017
# style: Kaggle image-classification kernel with a get_loader() helper reused for every split, predictions written to submission.csv
# bug: get_loader() always passes shuffle=True, so the test loader is shuffled and predict() writes predictions next to test_df["id"] in the wrong order
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

CFG = {"img_size": 64, "bs": 32, "epochs": 5, "lr": 1e-3, "n_classes": 5, "workers": 2}


class LeafDataset(Dataset):
    def __init__(self, df, train=True):
        self.df = df.reset_index(drop=True)
        self.train = train

    def __len__(self):
        return len(self.df)

    def __getitem__(self, idx):
        img = torch.randn(3, CFG["img_size"], CFG["img_size"])
        if self.train and np.random.rand() < 0.5:
            img = img.flip(-1)
        label = int(self.df.loc[idx, "label"]) if "label" in self.df else -1
        return img, label


def get_loader(df, train=True):
    return DataLoader(LeafDataset(df, train), batch_size=CFG["bs"], shuffle=True,
                      num_workers=CFG["workers"], pin_memory=True)


def get_model():
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, CFG["n_classes"]))


def train_fn(model, loader, optimizer):
    model.train()
    for imgs, labels in loader:
        loss = F.cross_entropy(model(imgs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return loss.item()


def predict(model, loader):
    model.eval()
    out = []
    with torch.no_grad():
        for imgs, _ in loader:
            out.append(model(imgs).softmax(1).argmax(1).numpy())
    return np.concatenate(out)


if __name__ == "__main__":
    train_df = pd.DataFrame({"image_id": [f"{i}.jpg" for i in range(2000)],
                             "label": np.random.randint(0, CFG["n_classes"], 2000)})
    test_df = pd.DataFrame({"id": [f"test_{i}.jpg" for i in range(500)]})
    model = get_model()
    optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=CFG["epochs"])
    train_loader = get_loader(train_df, train=True)
    for epoch in range(CFG["epochs"]):
        print(f"epoch {epoch} last loss {train_fn(model, train_loader, optimizer):.4f}")
        scheduler.step()
    test_loader = get_loader(test_df, train=False)
    test_df["label"] = predict(model, test_loader)
    test_df[["id", "label"]].to_csv("submission.csv", index=False)
