# expect: clean
# style: config-dict factory, multi-task tabular model (CTR + conversion) with heads built in a helper
# note: build_heads() builds a dict of heads but wraps it in nn.ModuleDict; the per-feature embedding tables use nn.ModuleList, normalisation stats are register_buffer, and the learned task-uncertainty weights are nn.Parameter
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

CFG = {
    "cat_cardinalities": [1000, 500, 24, 7, 120],
    "num_features": 8,
    "emb_dim": 16,
    "hidden": [256, 128],
    "tasks": ["click", "convert"],
    "lr": 1e-3,
    "epochs": 8,
    "batch_size": 1024,
}


def build_heads(hidden, tasks):
    heads = {t: nn.Sequential(nn.Linear(hidden, 64), nn.ReLU(), nn.Linear(64, 1)) for t in tasks}
    return nn.ModuleDict(heads)


class SharedBottom(nn.Module):
    def __init__(self, cfg, num_mean, num_std):
        super().__init__()
        self.embs = nn.ModuleList([nn.Embedding(c, cfg["emb_dim"]) for c in cfg["cat_cardinalities"]])
        self.register_buffer("num_mean", num_mean)
        self.register_buffer("num_std", num_std)
        d_in = cfg["emb_dim"] * len(cfg["cat_cardinalities"]) + cfg["num_features"]
        layers = []
        for h in cfg["hidden"]:
            layers += [nn.Linear(d_in, h), nn.BatchNorm1d(h), nn.ReLU(), nn.Dropout(0.1)]
            d_in = h
        self.bottom = nn.Sequential(*layers)
        self.heads = build_heads(d_in, cfg["tasks"])
        self.log_vars = nn.Parameter(torch.zeros(len(cfg["tasks"])))
        self.tasks = list(cfg["tasks"])

    def forward(self, cat, num):
        e = torch.cat([emb(cat[:, j]) for j, emb in enumerate(self.embs)], dim=1)
        x = torch.cat([e, (num - self.num_mean) / self.num_std], dim=1)
        h = self.bottom(x)
        return {t: self.heads[t](h).squeeze(-1) for t in self.tasks}

    def weighted_loss(self, out, targets):
        total = 0.0
        for k, t in enumerate(self.tasks):
            l = F.binary_cross_entropy_with_logits(out[t], targets[:, k])
            total = total + torch.exp(-self.log_vars[k]) * l + self.log_vars[k]
        return total


def make_data(n, cfg, seed=0):
    g = torch.Generator().manual_seed(seed)
    cat = torch.stack([torch.randint(0, c, (n,), generator=g) for c in cfg["cat_cardinalities"]], 1)
    num = torch.randn(n, cfg["num_features"], generator=g) * 3 + 1
    click = (torch.rand(n, generator=g) < 0.2).float()
    conv = click * (torch.rand(n, generator=g) < 0.1).float()
    return cat, num, torch.stack([click, conv], 1)


def main(cfg):
    cat, num, y = make_data(200_000, cfg)
    vcat, vnum, vy = make_data(20_000, cfg, seed=1)
    model = SharedBottom(cfg, num.mean(0), num.std(0))
    opt = torch.optim.Adam(model.parameters(), lr=cfg["lr"])
    train_loader = DataLoader(TensorDataset(cat, num, y), batch_size=cfg["batch_size"], shuffle=True)
    val_loader = DataLoader(TensorDataset(vcat, vnum, vy), batch_size=8192)
    for epoch in range(cfg["epochs"]):
        model.train()
        tot = 0.0
        for c, n_, t in train_loader:
            opt.zero_grad()
            loss = model.weighted_loss(model(c, n_), t)
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        ll = {t: 0.0 for t in cfg["tasks"]}
        with torch.no_grad():
            for c, n_, t in val_loader:
                out = model(c, n_)
                for k, task in enumerate(cfg["tasks"]):
                    ll[task] += F.binary_cross_entropy_with_logits(out[task], t[:, k], reduction="sum").item()
        msg = " ".join(f"{k}_logloss={v / len(vy):.4f}" for k, v in ll.items())
        print(f"epoch {epoch} train {tot / len(train_loader):.4f} {msg} sigma={[round(math.exp(v / 2), 3) for v in model.log_vars.tolist()]}")
    torch.save(model.state_dict(), "shared_bottom.pt")


if __name__ == "__main__":
    main(CFG)
