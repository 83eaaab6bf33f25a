# expect: TVL005
# style: multi-task tabular network built from a config dict by builder functions (Kaggle multi-target competition kernel)
# bug: build_heads() returns a plain dict of nn.Linear heads that MultiTaskNet stores as self.heads, so the heads are never registered or optimized
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {
    "n_features": 64,
    "trunk": [512, 256],
    "dropout": 0.15,
    "tasks": {"churn": 2, "segment": 5, "ltv_bucket": 8},
    "lr": 2e-3,
    "epochs": 12,
    "batch_size": 512,
}


def build_trunk(n_in, widths, p):
    layers = []
    for w in widths:
        layers += [nn.Linear(n_in, w), nn.BatchNorm1d(w), nn.SiLU(), nn.Dropout(p)]
        n_in = w
    return nn.Sequential(*layers), n_in


def build_heads(n_in, tasks):
    return {name: nn.Linear(n_in, n_out) for name, n_out in tasks.items()}


class MultiTaskNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.trunk, width = build_trunk(cfg["n_features"], cfg["trunk"], cfg["dropout"])
        self.heads = build_heads(width, cfg["tasks"])

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


def make_data(n, cfg):
    x = torch.randn(n, cfg["n_features"])
    ys = [torch.randint(0, k, (n,)) for k in cfg["tasks"].values()]
    return TensorDataset(x, *ys)


def train_one_epoch(model, loader, optimizer, task_names):
    model.train()
    running = 0.0
    for x, *targets in loader:
        outs = model(x)
        loss = sum(F.cross_entropy(outs[t], y) for t, y in zip(task_names, targets))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        running += loss.item()
    return running / len(loader)


if __name__ == "__main__":
    model = MultiTaskNet(CFG)
    optimizer = torch.optim.Adam(model.parameters(), lr=CFG["lr"])
    loader = DataLoader(make_data(20000, CFG), batch_size=CFG["batch_size"], shuffle=True)
    tasks = list(CFG["tasks"])
    for epoch in range(CFG["epochs"]):
        print(f"epoch {epoch}: loss={train_one_epoch(model, loader, optimizer, tasks):.4f}")
