# expect: TVL005
# style: multi-task recommender / CTR model with a config-driven head registry (MMoE-like)
# bug: build_task_heads() returns a plain dict of nn.Linear towers that MultiTaskNet stores as self.towers, so the tower weights are never registered or optimized
import argparse
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


@dataclass
class ModelConfig:
    n_dense: int = 13
    n_sparse: int = 26
    vocab: int = 10000
    emb_dim: int = 16
    hidden: int = 256
    tasks: dict = field(default_factory=lambda: {"click": 1, "convert": 1})


def build_task_heads(cfg: ModelConfig):
    heads = {}
    for task, out_dim in cfg.tasks.items():
        heads[task] = nn.Sequential(nn.Linear(cfg.hidden, 64), nn.ReLU(), nn.Linear(64, out_dim))
    return heads


class MultiTaskNet(nn.Module):
    def __init__(self, cfg: ModelConfig):
        super().__init__()
        self.emb = nn.EmbeddingBag(cfg.vocab, cfg.emb_dim, mode="sum")
        self.bottom = nn.Sequential(nn.Linear(cfg.n_dense + cfg.emb_dim, cfg.hidden), nn.ReLU())
        self.towers = build_task_heads(cfg)

    def forward(self, dense, sparse):
        h = self.bottom(torch.cat([dense, self.emb(sparse)], dim=1))
        return {t: tower(h).squeeze(-1) for t, tower in self.towers.items()}


def train_epoch(model, loader, opt):
    model.train()
    for dense, sparse, y_click, y_conv in loader:
        out = model(dense, sparse)
        loss = F.binary_cross_entropy_with_logits(out["click"], y_click) \
            + F.binary_cross_entropy_with_logits(out["convert"], y_conv)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    args = ap.parse_args()
    cfg = ModelConfig()
    n = 4096
    ds = TensorDataset(torch.randn(n, cfg.n_dense), torch.randint(0, cfg.vocab, (n, cfg.n_sparse)),
                       torch.randint(0, 2, (n,)).float(), torch.randint(0, 2, (n,)).float())
    model = MultiTaskNet(cfg)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.01)
    loader = DataLoader(ds, batch_size=512, shuffle=True)
    for ep in range(args.epochs):
        print(f"epoch {ep} last loss {train_epoch(model, loader, opt):.4f}")
