# expect: TVL005
# style: multi-task tabular/clinical model, config-driven builder returning a plain list of heads
# bug: build_heads() returns a Python list and the model stores it as self.heads (not nn.ModuleList), so the task heads are not registered: not in parameters(), not moved by .to(), not saved
import argparse
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class TaskSpec:
    name: str
    kind: str  # "binary" | "regression"
    weight: float = 1.0


@dataclass
class ModelConfig:
    d_in: int = 40
    d_hidden: int = 256
    n_layers: int = 3
    dropout: float = 0.15
    tasks: list = field(default_factory=lambda: [
        TaskSpec("mortality", "binary", 2.0),
        TaskSpec("readmission", "binary"),
        TaskSpec("length_of_stay", "regression", 0.5),
    ])


def build_trunk(cfg):
    layers, d = [], cfg.d_in
    for _ in range(cfg.n_layers):
        layers += [nn.Linear(d, cfg.d_hidden), nn.LayerNorm(cfg.d_hidden), nn.GELU(), nn.Dropout(cfg.dropout)]
        d = cfg.d_hidden
    return nn.Sequential(*layers)


def build_heads(cfg):
    heads = []
    for spec in cfg.tasks:
        heads.append(nn.Sequential(nn.Linear(cfg.d_hidden, 64), nn.ReLU(), nn.Linear(64, 1)))
    return heads


class MultiTaskNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.trunk = build_trunk(cfg)
        self.heads = build_heads(cfg)

    def forward(self, x):
        h = self.trunk(x)
        return {spec.name: head(h).squeeze(-1) for spec, head in zip(self.cfg.tasks, self.heads)}


def multitask_loss(outputs, targets, tasks):
    total, parts = 0.0, {}
    for k, spec in enumerate(tasks):
        pred, tgt = outputs[spec.name], targets[:, k]
        if spec.kind == "binary":
            l = F.binary_cross_entropy_with_logits(pred, tgt)
        else:
            l = F.smooth_l1_loss(pred, tgt)
        parts[spec.name] = l.item()
        total = total + spec.weight * l
    return total, parts


def synthetic(n, cfg):
    x = torch.randn(n, cfg.d_in)
    y = torch.stack([(x[:, 0] > 0).float(), (x[:, 1] > 0.5).float(), x[:, 2].abs() * 3], dim=1)
    return TensorDataset(x, y)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args()

    cfg = ModelConfig()
    model = MultiTaskNet(cfg).to(args.device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-2)
    train_dl = DataLoader(synthetic(20000, cfg), batch_size=512, shuffle=True)
    val_dl = DataLoader(synthetic(4000, cfg), batch_size=2048)

    for epoch in range(args.epochs):
        model.train()
        sums = {t.name: 0.0 for t in cfg.tasks}
        for x, y in train_dl:
            x, y = x.to(args.device), y.to(args.device)
            loss, parts = multitask_loss(model(x), y, cfg.tasks)
            opt.zero_grad()
            loss.backward()
            opt.step()
            for k, v in parts.items():
                sums[k] += v
        model.eval()
        with torch.no_grad():
            vl = [multitask_loss(model(x.to(args.device)), y.to(args.device), cfg.tasks)[0].item() for x, y in val_dl]
        print(epoch, {k: round(v / len(train_dl), 4) for k, v in sums.items()}, "val", sum(vl) / len(vl))
    torch.save(model.state_dict(), "multitask.pt")


if __name__ == "__main__":
    main()
