# expect: TVL011
# style: utils module + training loop for a graph neural network (molecule property prediction)
# bug: grads_are_sane() decides whether to apply the update from the total gradient norm, and the loop skips optimizer.step() on spikes without counting or logging the skipped steps.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("mpnn")


# ------------------------------------------------------------------ utils
def total_grad_norm(parameters):
    norms = [p.grad.detach().norm(2) for p in parameters if p.grad is not None]
    return torch.stack(norms).norm(2) if norms else torch.tensor(0.0)


def grads_are_sane(model, max_norm=50.0):
    gn = total_grad_norm(model.parameters())
    return bool(torch.isfinite(gn)) and gn.item() < max_norm


# ------------------------------------------------------------------ model
class MPNNLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.msg = nn.Sequential(nn.Linear(2 * d, d), nn.ReLU())
        self.upd = nn.GRUCell(d, d)

    def forward(self, h, edge_index):
        src, dst = edge_index
        m = self.msg(torch.cat([h[src], h[dst]], dim=-1))
        agg = torch.zeros_like(h).index_add_(0, dst, m)
        return self.upd(agg, h)


class MoleculeNet(nn.Module):
    def __init__(self, n_atom_types=16, d=96, layers=4):
        super().__init__()
        self.atom_emb = nn.Embedding(n_atom_types, d)
        self.layers = nn.ModuleList([MPNNLayer(d) for _ in range(layers)])
        self.readout = nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1))

    def forward(self, atoms, edge_index, batch, n_graphs):
        h = self.atom_emb(atoms)
        for layer in self.layers:
            h = layer(h, edge_index)
        pooled = torch.zeros(n_graphs, h.size(1)).index_add_(0, batch, h)
        return self.readout(pooled).squeeze(-1)


def random_batch(n_graphs=32):
    sizes = torch.randint(5, 30, (n_graphs,))
    atoms = torch.randint(0, 16, (int(sizes.sum()),))
    batch = torch.repeat_interleave(torch.arange(n_graphs), sizes)
    offsets = torch.cumsum(sizes, 0) - sizes
    edges = []
    for g in range(n_graphs):
        e = torch.randint(0, int(sizes[g]), (2, int(sizes[g]) * 2)) + offsets[g]
        edges.append(e)
    return atoms, torch.cat(edges, 1), batch, torch.randn(n_graphs)


def train(n_iters=3000):
    model = MoleculeNet()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    model.train()
    running = 0.0
    for it in range(1, n_iters + 1):
        atoms, edge_index, batch, y = random_batch()
        pred = model(atoms, edge_index, batch, n_graphs=y.numel())
        loss = F.l1_loss(pred, y)
        opt.zero_grad()
        loss.backward()
        if grads_are_sane(model):
            opt.step()
        running += loss.item()
        if it % 200 == 0:
            log.info("iter %d mae %.4f", it, running / 200)
            running = 0.0
    return model


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    train()
