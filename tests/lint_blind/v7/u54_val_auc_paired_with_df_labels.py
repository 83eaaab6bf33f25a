# expect: TVL017
# style: medical-imaging Trainer with a validation loop that scores against the fold dataframe, binary pneumonia detection
# bug: make_val_loader() shuffles the validation set, while Trainer.validate() pairs the concatenated predictions with self.val_df["label"].values in the dataframe's original order to compute AUC and the per-patient OOF file.
import logging
import os

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.nn.functional as F
from sklearn.metrics import roc_auc_score
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("cxr")


class CXRDataset(Dataset):
    def __init__(self, df):
        self.df = df.reset_index(drop=True)

    def __len__(self):
        return len(self.df)

    def __getitem__(self, i):
        row = self.df.iloc[i]
        g = torch.Generator().manual_seed(int(row.patient_id))
        img = torch.randn(1, 128, 128, generator=g) + 0.3 * row.label
        return img, torch.tensor(row.label, dtype=torch.float32)


def make_train_loader(df, bs=32):
    return DataLoader(CXRDataset(df), batch_size=bs, shuffle=True, num_workers=2, drop_last=True)


def make_val_loader(df, bs=64):
    # shuffle so the BN running-stat check sees mixed batches
    return DataLoader(CXRDataset(df), batch_size=bs, shuffle=True, num_workers=2)


class SmallDenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(1, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, 2, 1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 128, 3, 2, 1), nn.BatchNorm2d(128), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
        )
        self.fc = nn.Linear(128, 1)

    def forward(self, x):
        return self.fc(self.f(x).flatten(1)).squeeze(1)


class Trainer:
    def __init__(self, model, train_df, val_df, lr=3e-4, out_dir="oof"):
        self.model = model
        self.train_loader = make_train_loader(train_df)
        self.val_loader = make_val_loader(val_df)
        self.val_df = val_df.reset_index(drop=True)
        self.opt = torch.optim.Adam(model.parameters(), lr=lr)
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)

    def train_epoch(self):
        self.model.train()
        tot = 0.0
        for x, y in self.train_loader:
            loss = F.binary_cross_entropy_with_logits(self.model(x), y)
            self.opt.zero_grad()
            loss.backward()
            self.opt.step()
            tot += loss.item()
        return tot / len(self.train_loader)

    @torch.no_grad()
    def validate(self, epoch):
        self.model.eval()
        probs = torch.cat([torch.sigmoid(self.model(x)) for x, _ in self.val_loader]).numpy()
        labels = self.val_df["label"].values
        auc = roc_auc_score(labels, probs)
        oof = self.val_df[["patient_id"]].copy()
        oof["prob"] = probs
        oof.to_csv(os.path.join(self.out_dir, f"oof_epoch{epoch}.csv"), index=False)
        self.model.train()
        return auc


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"patient_id": np.arange(3000), "label": (rng.random(3000) < 0.25).astype(int)})
    df["fold"] = rng.integers(0, 5, len(df))
    trainer = Trainer(SmallDenseNet(), df[df.fold != 0], df[df.fold == 0])
    for epoch in range(10):
        loss = trainer.train_epoch()
        logger.info("epoch %d loss %.4f val AUC %.4f", epoch, loss, trainer.validate(epoch))
