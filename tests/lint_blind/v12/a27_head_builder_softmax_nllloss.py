# expect: TVL008
# style: graph-level classification (molecules) with a head builder driven by a config dict, NLLLoss criterion chosen in a factory
# bug: build_head() ends with nn.Softmax(dim=-1) (cfg "out_act": "softmax") and build_criterion() returns nn.NLLLoss, so NLLLoss receives probabilities instead of log-probabilities
import argparse
import logging

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset

log = logging.getLogger("molgraph")

MODEL_CFG = {
    "node_dim": 32,
    "hidden": 128,
    "n_layers": 3,
    "n_classes": 2,
    "head": {"hidden": 64, "dropout": 0.2, "out_act": "softmax"},
    "loss": "nll",
}

ACTS = {"softmax": lambda: nn.Softmax(dim=-1), "none": nn.Identity, "relu": nn.ReLU}


class MoleculeSet(Dataset):
    def __init__(self, n, node_dim, max_nodes=30, seed=0):
        g = torch.Generator().manual_seed(seed)
        self.graphs = []
        for _ in range(n):
            k = int(torch.randint(8, max_nodes, (1,), generator=g))
            x = torch.randn(k, node_dim, generator=g)
            a = (torch.rand(k, k, generator=g) < 0.15).float()
            a = ((a + a.t()) > 0).float()
            y = int(x[:, 0].mean() > 0)
            self.graphs.append((x, a, y))

    def __len__(self):
        return len(self.graphs)

    def __getitem__(self, i):
        return self.graphs[i]


def collate(batch):
    xs, adjs, ys = zip(*batch)
    n = max(x.size(0) for x in xs)
    X = torch.zeros(len(xs), n, xs[0].size(1))
    A = torch.zeros(len(xs), n, n)
    M = torch.zeros(len(xs), n)
    for i, (x, a) in enumerate(zip(xs, adjs)):
        X[i, :x.size(0)] = x
        A[i, :a.size(0), :a.size(0)] = a
        M[i, :x.size(0)] = 1
    return X, A, M, torch.tensor(ys)


class GINLayer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.eps = nn.Parameter(torch.zeros(1))
        self.mlp = nn.Sequential(nn.Linear(d_in, d_out), nn.BatchNorm1d(d_out), nn.ReLU(), nn.Linear(d_out, d_out))

    def forward(self, x, adj):
        h = (1 + self.eps) * x + adj @ x
        b, n, d = h.shape
        return torch.relu(self.mlp(h.reshape(b * n, d)).reshape(b, n, -1))


def build_head(cfg):
    h = cfg["head"]
    return nn.Sequential(nn.Linear(cfg["hidden"], h["hidden"]), nn.ReLU(), nn.Dropout(h["dropout"]),
                         nn.Linear(h["hidden"], cfg["n_classes"]), ACTS[h["out_act"]]())


def build_criterion(cfg):
    return {"nll": nn.NLLLoss(), "ce": nn.CrossEntropyLoss()}[cfg["loss"]]


class GIN(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        dims = [cfg["node_dim"]] + [cfg["hidden"]] * cfg["n_layers"]
        self.layers = nn.ModuleList([GINLayer(a, b) for a, b in zip(dims[:-1], dims[1:])])
        self.head = build_head(cfg)

    def forward(self, x, adj, mask):
        for layer in self.layers:
            x = layer(x, adj) * mask.unsqueeze(-1)
        pooled = x.sum(1) / mask.sum(1, keepdim=True)
        return self.head(pooled)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    model = GIN(MODEL_CFG)
    criterion = build_criterion(MODEL_CFG)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    train_dl = DataLoader(MoleculeSet(2000, MODEL_CFG["node_dim"]), batch_size=64, shuffle=True, collate_fn=collate)
    val_dl = DataLoader(MoleculeSet(400, MODEL_CFG["node_dim"], seed=1), batch_size=128, collate_fn=collate)

    for epoch in range(args.epochs):
        model.train()
        total = 0.0
        for X, A, M, y in train_dl:
            opt.zero_grad()
            loss = criterion(model(X, A, M), y)
            loss.backward()
            opt.step()
            total += loss.item()
        model.eval()
        correct = 0
        with torch.no_grad():
            for X, A, M, y in val_dl:
                correct += (model(X, A, M).argmax(-1) == y).sum().item()
        log.info("epoch %d loss %.4f val acc %.4f", epoch, total / len(train_dl), correct / len(val_dl.dataset))


if __name__ == "__main__":
    main()
