# expect: TVL013
# style: EMA/feature-distillation research code with a ModelWrapper that forwards to the inner model, graph regression on molecules
# bug: build_model() registers a forward hook on the MPNN that rescales predictions to target units, but ModelWrapper.compute_loss() calls self.model.forward(batch), so training skips the hook while validation (model(b)) applies it.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mol")


class MoleculeSet(Dataset):
    def __init__(self, n, max_atoms=24, n_types=10, seed=0):
        self.items = []
        g = torch.Generator().manual_seed(seed)
        for _ in range(n):
            k = int(torch.randint(6, max_atoms, (1,), generator=g))
            atoms = torch.randint(0, n_types, (k,), generator=g)
            adj = (torch.rand(k, k, generator=g) < 0.2).float()
            adj = ((adj + adj.t()) > 0).float()
            y = atoms.float().mean() * 0.3 + adj.sum() / (k * k)
            self.items.append((atoms, adj, y))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def collate(batch):
    n = max(a.numel() for a, _, _ in batch)
    atoms = torch.zeros(len(batch), n, dtype=torch.long)
    adj = torch.zeros(len(batch), n, n)
    mask = torch.zeros(len(batch), n)
    for i, (a, A, _) in enumerate(batch):
        k = a.numel()
        atoms[i, :k], adj[i, :k, :k], mask[i, :k] = a, A, 1
    return {"atoms": atoms, "adj": adj, "mask": mask, "y": torch.stack([y for _, _, y in batch])}


class MPNN(nn.Module):
    def __init__(self, n_types=10, d=64, steps=3):
        super().__init__()
        self.embed = nn.Embedding(n_types, d)
        self.msg = nn.ModuleList([nn.Linear(d, d) for _ in range(steps)])
        self.upd = nn.ModuleList([nn.GRUCell(d, d) for _ in range(steps)])
        self.readout = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))

    def forward(self, batch):
        h = self.embed(batch["atoms"])
        B, N, D = h.shape
        for msg, upd in zip(self.msg, self.upd):
            m = torch.bmm(batch["adj"], msg(h))
            h = upd(m.reshape(-1, D), h.reshape(-1, D)).view(B, N, D)
        pooled = (h * batch["mask"][..., None]).sum(1) / batch["mask"].sum(1, keepdim=True)
        return self.readout(pooled).squeeze(-1)


def build_model(cfg, feature_store):
    model = MPNN(d=cfg["hidden"], steps=cfg["steps"])

    def to_target_units(mod, inp, out):
        feature_store["raw_pred"] = out.detach()
        return out * cfg["y_std"] + cfg["y_mean"]

    model.register_forward_hook(to_target_units)
    return model


class ModelWrapper:
    def __init__(self, model, feature_store, aux_weight):
        self.model, self.features, self.aux_weight = model, feature_store, aux_weight

    def compute_loss(self, batch):
        self.features.clear()
        pred = self.model.forward(batch)
        loss = F.mse_loss(pred, batch["y"])
        if self.aux_weight > 0:
            loss = loss + self.aux_weight * pred.pow(2).mean()
        return loss


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--aux-weight", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--y-mean", type=float, default=1.6)
    ap.add_argument("--y-std", type=float, default=0.4)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)
    store = {}
    model = build_model(vars(args), store)
    wrapper = ModelWrapper(model, store, args.aux_weight)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_dl = DataLoader(MoleculeSet(5000), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(MoleculeSet(800, seed=1), batch_size=256, collate_fn=collate)
    for epoch in range(args.epochs):
        model.train()
        tot = 0.0
        for batch in train_dl:
            loss = wrapper.compute_loss(batch)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        model.eval()
        with torch.no_grad():
            mae = sum(F.l1_loss(model(b), b["y"]).item() for b in val_dl) / len(val_dl)
        log.info("epoch %d train %.4f val_mae %.4f", epoch, tot / len(train_dl), mae)


if __name__ == "__main__":
    main()
