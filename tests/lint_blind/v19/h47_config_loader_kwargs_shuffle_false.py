# expect: TVL015
# style: config-dict driven experiment (dataclass + loader kwargs per split) for a graph link-prediction / tabular edge classifier
# bug: the per-split loader settings in LOADER_CFG set shuffle=False for "train" (copied from the eval entry), and `make_loader` passes them through, so the training loader iterates edges in their stored (sorted-by-source-node) order
import argparse
import logging
import os
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("linkpred")

LOADER_CFG = {
    "train": {"batch_size": 1024, "shuffle": False, "num_workers": 4, "drop_last": True},
    "valid": {"batch_size": 4096, "shuffle": False, "num_workers": 4, "drop_last": False},
    "test": {"batch_size": 4096, "shuffle": False, "num_workers": 4, "drop_last": False},
}


@dataclass
class ExpConfig:
    n_nodes: int = 20000
    n_edges: int = 200000
    dim: int = 64
    lr: float = 3e-3
    epochs: int = 20
    neg_ratio: int = 1


class EdgeSet(Dataset):
    """Positive edges plus uniformly sampled negatives; edges are stored sorted by source node."""

    def __init__(self, src, dst, n_nodes, neg_ratio, seed):
        rng = np.random.default_rng(seed)
        neg_src = np.repeat(src, neg_ratio)
        neg_dst = rng.integers(0, n_nodes, len(neg_src))
        s = np.concatenate([src, neg_src])
        d = np.concatenate([dst, neg_dst])
        y = np.concatenate([np.ones(len(src)), np.zeros(len(neg_src))]).astype(np.float32)
        order = np.argsort(s, kind="stable")
        self.s, self.d, self.y = s[order], d[order], y[order]

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return int(self.s[i]), int(self.d[i]), self.y[i]


def synth_graph(cfg, seed=0):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, cfg.n_nodes, cfg.n_edges)
    local = rng.random(cfg.n_edges) < 0.8
    # mostly "local" edges (nearby ids share a community), some random long-range ones
    near = (src + rng.integers(1, 50, cfg.n_edges)) % cfg.n_nodes
    dst = np.where(local, near, rng.integers(0, cfg.n_nodes, cfg.n_edges))
    return src, dst


def make_loader(split, dataset):
    return DataLoader(dataset, **LOADER_CFG[split])


class DotPredictor(nn.Module):
    def __init__(self, n_nodes, dim):
        super().__init__()
        self.emb = nn.Embedding(n_nodes, dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        nn.init.normal_(self.emb.weight, std=0.1)

    def forward(self, s, d):
        hs, hd = self.mlp(self.emb(s)), self.mlp(self.emb(d))
        return (hs * hd).sum(-1)


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    correct = n = 0
    for s, d, y in loader:
        p = model(s.to(device), d.to(device)) > 0
        correct += (p.cpu().float() == y).sum().item()
        n += y.numel()
    model.train()
    return correct / n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="linkpred_out")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    cfg = ExpConfig()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    src, dst = synth_graph(cfg)
    n_tr = int(0.9 * len(src))
    train_ds = EdgeSet(src[:n_tr], dst[:n_tr], cfg.n_nodes, cfg.neg_ratio, seed=0)
    valid_ds = EdgeSet(src[n_tr:], dst[n_tr:], cfg.n_nodes, cfg.neg_ratio, seed=1)
    train_dl = make_loader("train", train_ds)
    valid_dl = make_loader("valid", valid_ds)

    model = DotPredictor(cfg.n_nodes, cfg.dim).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    for epoch in range(cfg.epochs):
        model.train()
        tot = 0.0
        for s, d, y in train_dl:
            s, d, y = s.to(device), d.to(device), y.to(device)
            loss = F.binary_cross_entropy_with_logits(model(s, d), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        acc = evaluate(model, valid_dl, device)
        log.info("epoch %d loss %.4f val acc %.4f", epoch, tot / len(train_dl), acc)
    os.makedirs(args.out, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(args.out, "dot.pt"))


if __name__ == "__main__":
    main()
