# expect: clean
# style: multi-task factory building heads from a task config, molecular graph property prediction (dense message passing)
# note: heads come from a factory returning a dict and the model keeps a list of layers and extra tensors, which looks like TVL005, but the dict is wrapped in nn.ModuleDict, the layers in nn.ModuleList, the learned task weights are nn.Parameter and the constant normalisation stats are register_buffer.
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("mtl")
TASKS = {"logP": "reg", "toxic": "cls", "soluble": "cls"}


def build_heads(tasks, d):
    return {name: nn.Sequential(nn.Linear(d, d), nn.ReLU(), nn.Linear(d, 1)) for name in tasks}


class MPLayer(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.msg = nn.Linear(d, d)
        self.upd = nn.GRUCell(d, d)

    def forward(self, h, adj):
        B, N, D = h.shape
        m = adj @ self.msg(h)
        return self.upd(m.reshape(B * N, D), h.reshape(B * N, D)).view(B, N, D)


class MultiTaskGNN(nn.Module):
    def __init__(self, n_atom_types=20, d=64, n_layers=3, y_mean=0.0, y_std=1.0):
        super().__init__()
        self.atom_emb = nn.Embedding(n_atom_types, d)
        self.layers = nn.ModuleList([MPLayer(d) for _ in range(n_layers)])
        self.heads = nn.ModuleDict(build_heads(TASKS, d))
        self.log_vars = nn.Parameter(torch.zeros(len(TASKS)))
        self.register_buffer("y_stats", torch.tensor([y_mean, y_std]))

    def forward(self, atoms, adj, mask):
        h = self.atom_emb(atoms)
        for layer in self.layers:
            h = layer(h, adj)
        g = (h * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim=True)
        return {t: head(g).squeeze(-1) for t, head in self.heads.items()}

    def loss(self, out, targets):
        total = 0.0
        for i, (t, kind) in enumerate(TASKS.items()):
            if kind == "reg":
                y = (targets[t] - self.y_stats[0]) / self.y_stats[1]
                l = F.mse_loss(out[t], y)
            else:
                l = F.binary_cross_entropy_with_logits(out[t], targets[t])
            total = total + torch.exp(-self.log_vars[i]) * l + self.log_vars[i]
        return total


class Molecules(Dataset):
    def __init__(self, n=2000, N=24):
        self.atoms = torch.randint(0, 20, (n, N))
        a = (torch.rand(n, N, N) < 0.1).float()
        self.adj = ((a + a.transpose(1, 2)) > 0).float()
        self.mask = (torch.arange(N)[None] < torch.randint(8, N, (n, 1))).float()
        self.y = {"logP": torch.randn(n) * 2 + 1, "toxic": (torch.rand(n) < 0.3).float(),
                  "soluble": (torch.rand(n) < 0.5).float()}

    def __len__(self):
        return len(self.atoms)

    def __getitem__(self, i):
        return self.atoms[i], self.adj[i], self.mask[i], {k: v[i] for k, v in self.y.items()}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    ds = Molecules()
    loader = DataLoader(ds, batch_size=64, shuffle=True)
    model = MultiTaskGNN(y_mean=ds.y["logP"].mean().item(), y_std=ds.y["logP"].std().item())
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()
    for epoch in range(20):
        tot = 0.0
        for atoms, adj, mask, targets in loader:
            loss = model.loss(model(atoms, adj, mask), targets)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item()
        log.info("epoch %d loss %.4f task weights %s", epoch, tot / len(loader),
                 [round(v, 3) for v in torch.exp(-model.log_vars).tolist()])
