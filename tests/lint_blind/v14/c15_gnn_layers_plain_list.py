# expect: TVL005
# style: message-passing GNN for molecular property regression, model built by a helper
# bug: build_layers() returns a plain Python list stored as self.layers, so the message-passing layers are not registered and never reach the optimizer
import argparse
import random

import torch
import torch.nn as nn
import torch.nn.functional as F


class EdgeConv(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.msg = nn.Sequential(nn.Linear(2 * dim, dim), nn.SiLU(), nn.Linear(dim, dim))
        self.upd = nn.GRUCell(dim, dim)

    def forward(self, h, edge_index):
        src, dst = edge_index
        m = self.msg(torch.cat([h[src], h[dst]], -1))
        agg = torch.zeros_like(h).index_add_(0, dst, m)
        return self.upd(agg, h)


def build_layers(dim, depth, device):
    return [EdgeConv(dim).to(device) for _ in range(depth)]


class MPNN(nn.Module):
    def __init__(self, n_atom_types, dim, depth, device):
        super().__init__()
        self.embed = nn.Embedding(n_atom_types, dim)
        self.layers = build_layers(dim, depth, device)
        self.readout = nn.Sequential(nn.Linear(dim, dim), nn.SiLU(), nn.Linear(dim, 1))

    def forward(self, atoms, edge_index, graph_ids, n_graphs):
        h = self.embed(atoms)
        for layer in self.layers:
            h = h + layer(h, edge_index)
        pooled = torch.zeros(n_graphs, h.size(1), device=h.device).index_add_(0, graph_ids, h)
        return self.readout(pooled).squeeze(-1)


def random_molecule(n_atom_types=10):
    n = random.randint(5, 25)
    atoms = torch.randint(0, n_atom_types, (n,))
    edges = [(i, i + 1) for i in range(n - 1)] + [(random.randrange(n), random.randrange(n)) for _ in range(n // 3)]
    e = torch.tensor(edges).t()
    e = torch.cat([e, e.flip(0)], 1)
    y = float((atoms == 3).sum()) * 0.5 - float(n) * 0.1
    return atoms, e, y


def collate(mols):
    atoms, edges, gids, ys, offset = [], [], [], [], 0
    for g, (a, e, y) in enumerate(mols):
        atoms.append(a)
        edges.append(e + offset)
        gids.append(torch.full((len(a),), g, dtype=torch.long))
        ys.append(y)
        offset += len(a)
    return torch.cat(atoms), torch.cat(edges, 1), torch.cat(gids), torch.tensor(ys)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--bs", type=int, default=32)
    args = ap.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    random.seed(0)
    torch.manual_seed(0)

    train = [random_molecule() for _ in range(3000)]
    valid = [random_molecule() for _ in range(300)]
    model = MPNN(10, args.dim, args.depth, device).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=3)

    for epoch in range(args.epochs):
        model.train()
        random.shuffle(train)
        tot = 0.0
        for i in range(0, len(train), args.bs):
            atoms, e, gids, y = (t.to(device) for t in collate(train[i:i + args.bs]))
            pred = model(atoms, e, gids, int(gids.max()) + 1)
            loss = F.mse_loss(pred, y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(y)
        model.eval()
        with torch.no_grad():
            atoms, e, gids, y = (t.to(device) for t in collate(valid))
            val_mae = (model(atoms, e, gids, len(valid)) - y).abs().mean().item()
        sched.step(val_mae)
        print(f"epoch {epoch}: train mse {tot / len(train):.4f} valid mae {val_mae:.4f}")


if __name__ == "__main__":
    main()
