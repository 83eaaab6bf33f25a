# expect: TVL017
# style: Kaggle image competition inference section (predict() helper, submission DataFrame built from test_df ids)
# bug: make_test_loader() shuffles the test set, while write_submission() pairs the predictions with test_df["id"] in file order
import argparse
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset


class TestDataset(Dataset):
    def __init__(self, df, size=64):
        self.ids = df["id"].values
        self.size = size

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return torch.rand(3, self.size, self.size)  # stands in for reading image self.ids[i]


def build_model(n_classes):
    return nn.Sequential(nn.Conv2d(3, 32, 3, 2, 1), nn.BatchNorm2d(32), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, n_classes))


def make_test_loader(df, batch_size):
    return DataLoader(TestDataset(df), batch_size=batch_size, shuffle=True, num_workers=4)


def predict(models, loader):
    all_probs = []
    for m in models:
        m.eval()
    with torch.no_grad():
        for images in loader:
            probs = torch.stack([torch.softmax(m(images), 1) for m in models]).mean(0)
            all_probs.append(probs.numpy())
    return np.concatenate(all_probs)


def write_submission(test_df, probs, path):
    sub = pd.DataFrame({"id": test_df["id"], "label": probs.argmax(1)})
    sub.to_csv(path, index=False)
    return sub


def train_quick(model, epochs=1):
    ds = torch.utils.data.TensorDataset(torch.rand(256, 3, 64, 64), torch.randint(0, 4, (256,)))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(epochs):
        for x, y in DataLoader(ds, batch_size=32, shuffle=True):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    return model


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--n_folds", type=int, default=3)
    ap.add_argument("--out", default="submission.csv")
    args = ap.parse_args()
    test_df = pd.DataFrame({"id": [f"img_{i:05d}" for i in range(500)]})
    models = [train_quick(build_model(4)) for _ in range(args.n_folds)]
    probs = predict(models, make_test_loader(test_df, 64))
    print(write_submission(test_df, probs, args.out).head())
