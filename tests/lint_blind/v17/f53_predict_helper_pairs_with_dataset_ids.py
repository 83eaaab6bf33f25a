# expect: TVL017
# style: research repo with predict() helper and write_predictions(); test loader built by a shared get_loader(split, shuffle) factory
# bug: get_loader("test", shuffle=True) returns a shuffled loader, predict() concatenates outputs in loader order, and write_predictions() zips them with dataset.user_ids in dataset order, so each user gets another user's score.
import argparse
import csv
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset


class UserFeatures(Dataset):
    def __init__(self, n, d=40, seed=0, labelled=True):
        g = torch.Generator().manual_seed(seed)
        self.user_ids = [f"u{seed}_{i:06d}" for i in range(n)]
        self.x = torch.randn(n, d, generator=g)
        w = torch.linspace(-1, 1, d)
        self.y = ((self.x @ w + 0.3 * torch.randn(n, generator=g)) > 0).float() if labelled else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]


def get_loader(split, batch_size, shuffle):
    sizes = {"train": 40000, "valid": 5000, "test": 8000}
    seeds = {"train": 0, "valid": 1, "test": 2}
    ds = UserFeatures(sizes[split], seed=seeds[split], labelled=split != "test")
    return DataLoader(ds, batch_size=batch_size, shuffle=shuffle, num_workers=2)


class PropensityNet(nn.Module):
    def __init__(self, d=40):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return self.net(x).squeeze(-1)


@torch.no_grad()
def predict(model, loader, device):
    model.eval()
    scores = []
    for batch in loader:
        x = batch[0] if isinstance(batch, (list, tuple)) else batch
        scores.append(torch.sigmoid(model(x.to(device))).cpu())
    return torch.cat(scores)


def write_predictions(path, ids, scores):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["user_id", "propensity"])
        for uid, s in zip(ids, scores.tolist()):
            w.writerow([uid, f"{s:.6f}"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--bs", type=int, default=256)
    ap.add_argument("--out", default="preds/test_scores.csv")
    args = ap.parse_args()
    device = "cuda" if torch.cuda.is_available() else "cpu"

    train_dl = get_loader("train", args.bs, shuffle=True)
    valid_dl = get_loader("valid", 1024, shuffle=False)
    test_dl = get_loader("test", 1024, shuffle=True)

    model = PropensityNet().to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_dl:
            x, y = x.to(device), y.to(device)
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(x), y)
            loss.backward()
            opt.step()
            tot += loss.item()
        val_scores = predict(model, valid_dl, device)
        val_acc = ((val_scores > 0.5).float() == valid_dl.dataset.y).float().mean().item()
        print(f"epoch {epoch} loss {tot / len(train_dl):.4f} valid_acc {val_acc:.4f}")

    scores = predict(model, test_dl, device)
    write_predictions(args.out, test_dl.dataset.user_ids, scores)
    print(f"wrote {len(scores)} rows to {args.out}")


if __name__ == "__main__":
    main()
