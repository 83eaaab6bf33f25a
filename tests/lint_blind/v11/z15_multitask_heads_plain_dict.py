# expect: TVL005
# style: multi-task tabular model built from a config dict; heads stored in a plain dict
# bug: `self.heads` is a plain Python dict of nn.Linear, so the heads' weights are not registered and the optimizer built from model.parameters() never sees them
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CONFIG = {
    "n_features": 30,
    "trunk": [128, 64],
    "tasks": {"ctr": 1, "category": 8, "dwell": 1},
    "loss_weights": {"ctr": 1.0, "category": 0.5, "dwell": 0.2},
    "lr": 1e-3,
    "epochs": 5,
}


def build_trunk(n_in, widths):
    layers = []
    for w in widths:
        layers += [nn.Linear(n_in, w), nn.ReLU()]
        n_in = w
    return nn.Sequential(*layers), n_in


class MultiTaskNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.trunk, d = build_trunk(cfg["n_features"], cfg["trunk"])
        self.heads = {name: nn.Linear(d, out) for name, out in cfg["tasks"].items()}

    def forward(self, x):
        h = self.trunk(x)
        return {name: head(h) for name, head in self.heads.items()}


def task_loss(name, out, target):
    if name == "ctr":
        return F.binary_cross_entropy_with_logits(out.squeeze(-1), target.float())
    if name == "category":
        return F.cross_entropy(out, target.long())
    return F.mse_loss(out.squeeze(-1), target.float())


def make_data(n=4000):
    x = torch.randn(n, CONFIG["n_features"])
    return TensorDataset(x, (x[:, 0] > 0).long(), torch.randint(0, 8, (n,)), x[:, 1].abs())


def train(cfg):
    model = MultiTaskNet(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    loader = DataLoader(make_data(), batch_size=128, shuffle=True)
    for epoch in range(cfg["epochs"]):
        model.train()
        agg = {k: 0.0 for k in cfg["tasks"]}
        for x, ctr, cat, dwell in loader:
            outs = model(x)
            targets = {"ctr": ctr, "category": cat, "dwell": dwell}
            losses = {k: task_loss(k, outs[k], targets[k]) for k in cfg["tasks"]}
            total = sum(cfg["loss_weights"][k] * v for k, v in losses.items())
            opt.zero_grad()
            total.backward()
            opt.step()
            for k, v in losses.items():
                agg[k] += v.item()
        print(epoch, {k: round(v / len(loader), 4) for k, v in agg.items()})
    return model


if __name__ == "__main__":
    train(CONFIG)
