# expect: TVL011
# style: accelerate-like training loop with a small callback system for a GNN molecular property regressor
# bug: GradientSpikeGuard.on_before_optimizer_step returns False when the grad norm is above a running threshold, and the loop then silently skips optimizer.step(); skips are neither counted nor logged
import logging
import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

logger = logging.getLogger("molprop")


@dataclass
class Config:
    node_feat: int = 32
    hidden: int = 128
    layers: int = 4
    lr: float = 5e-4
    epochs: int = 60
    batch_size: int = 32
    spike_factor: float = 4.0


class MoleculeSet(Dataset):
    def __init__(self, n, cfg, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.graphs = []
        for _ in range(n):
            k = int(torch.randint(8, 30, (1,), generator=g))
            x = torch.randn(k, cfg.node_feat, generator=g)
            adj = (torch.rand(k, k, generator=g) < 0.15).float()
            adj = ((adj + adj.t()) > 0).float()
            y = x[:, 0].mean() + 0.1 * adj.sum() / k
            self.graphs.append((x, adj, y.reshape(1)))

    def __len__(self):
        return len(self.graphs)

    def __getitem__(self, i):
        return self.graphs[i]


def collate_graphs(batch):
    xs, adjs, ys, idx = [], [], [], []
    for gi, (x, adj, y) in enumerate(batch):
        xs.append(x)
        adjs.append(adj)
        ys.append(y)
        idx.append(torch.full((x.size(0),), gi, dtype=torch.long))
    return torch.cat(xs), torch.block_diag(*adjs), torch.cat(idx), torch.stack(ys)


class GINLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(d, d), nn.BatchNorm1d(d), nn.ReLU(), nn.Linear(d, d))

    def forward(self, h, adj):
        return F.relu(self.mlp((1 + self.eps) * h + adj @ h))


class GIN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.inp = nn.Linear(cfg.node_feat, cfg.hidden)
        self.layers = nn.ModuleList([GINLayer(cfg.hidden) for _ in range(cfg.layers)])
        self.readout = nn.Sequential(nn.Linear(cfg.hidden, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, 1))

    def forward(self, x, adj, batch_idx, n_graphs):
        h = self.inp(x)
        for layer in self.layers:
            h = layer(h, adj)
        pooled = torch.zeros(n_graphs, h.size(1), device=h.device).index_add_(0, batch_idx, h)
        return self.readout(pooled)


class Callback:
    def on_before_optimizer_step(self, state):
        return True

    def on_epoch_end(self, state):
        pass


class GradientSpikeGuard(Callback):
    """Drop updates whose gradient norm is far above the running average."""

    def __init__(self, factor):
        self.factor = factor
        self.avg = None

    def on_before_optimizer_step(self, state):
        norm = state["grad_norm"]
        if self.avg is not None and norm > self.factor * self.avg:
            return False
        self.avg = norm if self.avg is None else 0.98 * self.avg + 0.02 * norm
        return True


class EpochLogger(Callback):
    def on_epoch_end(self, state):
        logger.info("epoch %d train_mse %.4f val_mae %.4f", state["epoch"], state["train_loss"], state["val_mae"])


def evaluate(model, loader, device):
    model.eval()
    err, n = 0.0, 0
    with torch.no_grad():
        for x, adj, bidx, y in loader:
            pred = model(x.to(device), adj.to(device), bidx.to(device), y.size(0))
            err += (pred.cpu() - y).abs().sum().item()
            n += y.size(0)
    model.train()
    return err / n


def train(cfg, callbacks):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    train_dl = DataLoader(MoleculeSet(4000, cfg), batch_size=cfg.batch_size, shuffle=True, collate_fn=collate_graphs)
    val_dl = DataLoader(MoleculeSet(500, cfg, seed=1), batch_size=64, collate_fn=collate_graphs)
    model = GIN(cfg).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    state = {}
    for epoch in range(cfg.epochs):
        model.train()
        total = 0.0
        for x, adj, bidx, y in train_dl:
            x, adj, bidx, y = x.to(device), adj.to(device), bidx.to(device), y.to(device)
            loss = F.mse_loss(model(x, adj, bidx, y.size(0)), y)
            opt.zero_grad()
            loss.backward()
            state["grad_norm"] = nn.utils.clip_grad_norm_(model.parameters(), 10.0).item()
            if all(cb.on_before_optimizer_step(state) for cb in callbacks):
                opt.step()
            total += loss.item()
        state.update(epoch=epoch, train_loss=total / len(train_dl), val_mae=evaluate(model, val_dl, device))
        for cb in callbacks:
            cb.on_epoch_end(state)
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    cfg = Config()
    model = train(cfg, [GradientSpikeGuard(cfg.spike_factor), EpochLogger()])
    torch.save(model.state_dict(), "gin_molprop.pt")
