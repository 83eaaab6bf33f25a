# expect: TVL015
# style: YAML-config-driven research repo (config dict with per-split loader settings, build_dataloader(cfg, split) factory, wandb-ish logging)
# bug: the "train" entry of LOADER_CFG sets shuffle False and build_dataloader passes cfg["shuffle"] through with no sampler, so the training loader is never shuffled
import argparse
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

LOADER_CFG = {
    "train": {"batch_size": 64, "shuffle": False, "num_workers": 4, "drop_last": True},
    "val": {"batch_size": 128, "shuffle": False, "num_workers": 4, "drop_last": False},
}


class ClickLogDataset(Dataset):
    """Impressions stored in chronological order, one row per (user, item, clicked)."""

    def __init__(self, n, n_feat=32):
        self.x = torch.randn(n, n_feat)
        self.y = torch.randint(0, 2, (n,)).float()

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return self.x[i], self.y[i]


def build_dataloader(dataset, cfg):
    return DataLoader(dataset, batch_size=cfg["batch_size"], shuffle=cfg["shuffle"],
                      num_workers=cfg["num_workers"], drop_last=cfg["drop_last"])


class WideAndDeep(nn.Module):
    def __init__(self, n_feat=32):
        super().__init__()
        self.wide = nn.Linear(n_feat, 1)
        self.deep = nn.Sequential(nn.Linear(n_feat, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, x):
        return (self.wide(x) + self.deep(x)).squeeze(-1)


def run(args):
    train_loader = build_dataloader(ClickLogDataset(50000), LOADER_CFG["train"])
    val_loader = build_dataloader(ClickLogDataset(5000), LOADER_CFG["val"])
    model = WideAndDeep()
    optimizer = torch.optim.Adagrad(model.parameters(), lr=args.lr)
    crit = nn.BCEWithLogitsLoss()
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = crit(model(x), y)
            loss.backward()
            optimizer.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            vl = sum(crit(model(x), y).item() for x, y in val_loader) / len(val_loader)
        print({"epoch": epoch, "train/logloss": tot / len(train_loader), "val/logloss": vl})


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--lr", type=float, default=0.01)
    run(ap.parse_args())
