# expect: clean
# style: heterogeneous GNN (relation-typed message passing) with per-relation weights built in loops
# note: per-relation layers and per-relation scalars are created in Python loops, but they are stored in nn.ModuleDict / nn.ParameterDict and the positional table is a registered buffer
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("rgcn")
RELATIONS = ["cites", "written_by", "published_in", "about"]


class RelGraphConv(nn.Module):
    def __init__(self, dim, relations):
        super().__init__()
        self.rel_lin = nn.ModuleDict({r: nn.Linear(dim, dim, bias=False) for r in relations})
        self.rel_gate = nn.ParameterDict({r: nn.Parameter(torch.zeros(1)) for r in relations})
        self.self_loop = nn.Linear(dim, dim)

    def forward(self, h, edges):
        out = self.self_loop(h)
        for r, (src, dst) in edges.items():
            msg = self.rel_lin[r](h[src]) * torch.sigmoid(self.rel_gate[r])
            deg = torch.zeros(h.size(0)).index_add_(0, dst, torch.ones_like(dst, dtype=torch.float)).clamp(min=1)
            out = out + torch.zeros_like(h).index_add_(0, dst, msg) / deg[:, None]
        return F.relu(out)


class RGCN(nn.Module):
    def __init__(self, n_nodes, dim, n_classes, layers=2):
        super().__init__()
        self.node_emb = nn.Embedding(n_nodes, dim)
        self.layers = nn.ModuleList()
        for _ in range(layers):
            self.layers.append(RelGraphConv(dim, RELATIONS))
        self.register_buffer("degree_bias", torch.zeros(n_nodes))
        self.cls = nn.Linear(dim, n_classes)

    def forward(self, edges):
        h = self.node_emb.weight
        for layer in self.layers:
            h = F.dropout(layer(h, edges), 0.2, self.training)
        return self.cls(h) + self.degree_bias[:, None]


def random_hetero_graph(n=3000, e_per_rel=8000, n_classes=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, n_classes, (n,), generator=g)
    edges = {}
    for k, r in enumerate(RELATIONS):
        src = torch.randint(0, n, (e_per_rel,), generator=g)
        same = torch.rand(e_per_rel, generator=g) < 0.6 - 0.1 * k
        dst = torch.where(same, (src + n_classes * torch.randint(1, 5, (e_per_rel,), generator=g)) % n,
                          torch.randint(0, n, (e_per_rel,), generator=g))
        edges[r] = (src, dst)
    perm = torch.randperm(n, generator=g)
    return y, edges, perm[:600], perm[600:1200]


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    y, edges, train_idx, val_idx = random_hetero_graph()
    model = RGCN(len(y), 64, 6)
    n_params = sum(p.numel() for p in model.parameters())
    log.info("parameters: %d (includes %d relation gates)", n_params, len(RELATIONS) * len(model.layers))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=5e-4)
    best = 0.0
    for epoch in range(200):
        model.train()
        out = model(edges)
        loss = F.cross_entropy(out[train_idx], y[train_idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            acc = (model(edges)[val_idx].argmax(1) == y[val_idx]).float().mean().item()
        best = max(best, acc)
        if epoch % 20 == 0:
            gates = {r: round(torch.sigmoid(model.layers[0].rel_gate[r]).item(), 3) for r in RELATIONS}
            log.info("epoch %d loss %.4f val %.4f gates %s", epoch, loss.item(), acc, gates)
    log.info("best val acc %.4f", best)
