# expect: TVL005
# style: config-dict factory, tabular credit-default classifier
# bug: _make_hidden() returns a plain Python list of nn.Linear layers stored on self.hidden, so those layers are never registered and the optimizer never sees them.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "model": {"in_dim": 20, "hidden": [256, 128, 64], "dropout": 0.2, "n_classes": 2},
    "optim": {"name": "adamw", "lr": 2e-3, "weight_decay": 1e-4},
    "train": {"epochs": 12, "batch_size": 256},
}


class DeepTabular(nn.Module):
    def __init__(self, in_dim, hidden, dropout, n_classes):
        super().__init__()
        self.input_bn = nn.BatchNorm1d(in_dim)
        self.hidden = self._make_hidden(in_dim, hidden)
        self.dropout = dropout
        self.out = nn.Linear(hidden[-1], n_classes)

    @staticmethod
    def _make_hidden(in_dim, sizes):
        layers = []
        prev = in_dim
        for h in sizes:
            layers.append(nn.Linear(prev, h))
            prev = h
        return layers

    def forward(self, x):
        h = self.input_bn(x)
        for lin in self.hidden:
            h = F.dropout(F.relu(lin(h)), self.dropout, self.training)
        return self.out(h)


def build_model(cfg):
    return DeepTabular(**cfg["model"])


def build_optimizer(cfg, model):
    o = cfg["optim"]
    if o["name"] == "adamw":
        return torch.optim.AdamW(model.parameters(), lr=o["lr"], weight_decay=o["weight_decay"])
    return torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=0.9)


def build_loaders(cfg):
    X = torch.randn(10000, cfg["model"]["in_dim"])
    y = (X[:, 0] * X[:, 1] + X[:, 2] > 0).long()
    tr = TensorDataset(X[:8000], y[:8000])
    va = TensorDataset(X[8000:], y[8000:])
    bs = cfg["train"]["batch_size"]
    return DataLoader(tr, batch_size=bs, shuffle=True), DataLoader(va, batch_size=1024)


def main(cfg=CONFIG):
    model = build_model(cfg)
    opt = build_optimizer(cfg, model)
    train_dl, val_dl = build_loaders(cfg)
    for epoch in range(cfg["train"]["epochs"]):
        model.train()
        for xb, yb in train_dl:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        model.eval()
        with torch.no_grad():
            accs = [(model(xb).argmax(1) == yb).float().mean().item() for xb, yb in val_dl]
        print(f"epoch {epoch} val_acc {sum(accs) / len(accs):.4f}")


if __name__ == "__main__":
    main()
