# expect: clean
# style: graph classification (molecule-like graphs) research script with --resume and --init-ckpt
# note: both torch.load calls take paths from the command line, but both pass weights_only=True (the checkpoint holds only tensors, numbers and plain dicts), so no arbitrary unpickling happens
import argparse
import os

import torch
import torch.nn as nn
import torch.nn.functional as F


def random_molecules(n, seed):
    g = torch.Generator().manual_seed(seed)
    graphs = []
    for _ in range(n):
        n_atoms = int(torch.randint(6, 30, (1,), generator=g))
        x = F.one_hot(torch.randint(0, 9, (n_atoms,), generator=g), 9).float()
        src = torch.arange(n_atoms - 1)
        ei = torch.stack([torch.cat([src, src + 1]), torch.cat([src + 1, src])])
        y = float((x[:, 0].sum() > n_atoms / 9) ^ (n_atoms > 15))
        graphs.append((x, ei, y))
    return graphs


def batch_graphs(graphs):
    xs, eis, ys, batch = [], [], [], []
    offset = 0
    for k, (x, ei, y) in enumerate(graphs):
        xs.append(x)
        eis.append(ei + offset)
        ys.append(y)
        batch.append(torch.full((x.size(0),), k, dtype=torch.long))
        offset += x.size(0)
    return torch.cat(xs), torch.cat(eis, 1), torch.tensor(ys), torch.cat(batch)


class GIN(nn.Module):
    def __init__(self, cin=9, hidden=64, layers=3):
        super().__init__()
        self.mlps = nn.ModuleList()
        for i in range(layers):
            self.mlps.append(nn.Sequential(nn.Linear(cin if i == 0 else hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden)))
        self.out = nn.Linear(hidden, 1)

    def forward(self, x, ei, batch, n_graphs):
        for mlp in self.mlps:
            agg = torch.zeros_like(x).index_add_(0, ei[1], x[ei[0]])
            x = F.relu(mlp(x + agg))
        pooled = torch.zeros(n_graphs, x.size(1)).index_add_(0, batch, x)
        return self.out(pooled).squeeze(-1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--resume", default="")
    ap.add_argument("--init-ckpt", default="")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--bs", type=int, default=64)
    ap.add_argument("--out", default="gin_out")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(0)

    train, val = random_molecules(4000, 0), random_molecules(500, 1)
    model = GIN()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    start_epoch = 0
    if args.init_ckpt:
        model.load_state_dict(torch.load(args.init_ckpt, map_location="cpu", weights_only=True), strict=False)
    if args.resume:
        ckpt = torch.load(args.resume, map_location="cpu", weights_only=True)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["opt"])
        start_epoch = ckpt["epoch"] + 1
        print(f"resumed from {args.resume} at epoch {start_epoch}")

    for epoch in range(start_epoch, args.epochs):
        model.train()
        perm = torch.randperm(len(train)).tolist()
        tot = 0.0
        for s in range(0, len(perm), args.bs):
            chunk = [train[i] for i in perm[s : s + args.bs]]
            x, ei, y, b = batch_graphs(chunk)
            loss = F.binary_cross_entropy_with_logits(model(x, ei, b, len(chunk)), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            tot += loss.item() * len(chunk)
        model.eval()
        with torch.no_grad():
            x, ei, y, b = batch_graphs(val)
            acc = ((model(x, ei, b, len(val)) > 0).float() == y).float().mean().item()
        print(f"epoch {epoch} loss {tot / len(train):.4f} val_acc {acc:.4f}")
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": epoch},
                   os.path.join(args.out, "last.pt"))


if __name__ == "__main__":
    main()
