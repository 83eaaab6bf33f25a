# expect: TVL004
# style: research repo train.py with train_one_epoch/evaluate helpers, graph node classification
# bug: evaluate() switches the model to eval() and train_one_epoch() never calls model.train(), so every epoch after the first trains without dropout
import argparse
import logging
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("gcn")


def normalized_adjacency(edge_index, n):
    a = torch.zeros(n, n)
    a[edge_index[0], edge_index[1]] = 1.0
    a = a + a.t() + torch.eye(n)
    a = (a > 0).float()
    d = a.sum(1).pow(-0.5)
    return d[:, None] * a * d[None, :]


class GCN(nn.Module):
    def __init__(self, in_dim, hid, n_classes, dropout=0.5):
        super().__init__()
        self.w1 = nn.Linear(in_dim, hid)
        self.w2 = nn.Linear(hid, n_classes)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.dropout(x, self.dropout, self.training)
        x = F.relu(adj @ self.w1(x))
        x = F.dropout(x, self.dropout, self.training)
        return adj @ self.w2(x)


def train_one_epoch(model, optimizer, data):
    optimizer.zero_grad()
    out = model(data["x"], data["adj"])
    loss = F.cross_entropy(out[data["train_mask"]], data["y"][data["train_mask"]])
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, data):
    model.eval()
    out = model(data["x"], data["adj"])
    pred = out.argmax(1)
    accs = {}
    for split in ("train", "val", "test"):
        m = data[f"{split}_mask"]
        accs[split] = (pred[m] == data["y"][m]).float().mean().item()
    return accs


def synthetic_graph(n=2708, d=1433, c=7, e=10556, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, c, (n,), generator=g)
    x = (torch.rand(n, d, generator=g) < 0.01).float()
    x[torch.arange(n), y * 10] = 1.0
    src = torch.randint(0, n, (e,), generator=g)
    dst = torch.where(torch.rand(e, generator=g) < 0.8, src.roll(1), torch.randint(0, n, (e,), generator=g))
    perm = torch.randperm(n, generator=g)
    masks = {k: torch.zeros(n, dtype=torch.bool) for k in ("train_mask", "val_mask", "test_mask")}
    masks["train_mask"][perm[:140]] = True
    masks["val_mask"][perm[140:640]] = True
    masks["test_mask"][perm[640:1640]] = True
    return {"x": x, "y": y, "adj": normalized_adjacency(torch.stack([src, dst]), n), **masks}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hidden", type=int, default=16)
    p.add_argument("--lr", type=float, default=0.01)
    p.add_argument("--wd", type=float, default=5e-4)
    p.add_argument("--epochs", type=int, default=200)
    p.add_argument("--patience", type=int, default=50)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)

    data = synthetic_graph()
    model = GCN(data["x"].size(1), args.hidden, int(data["y"].max()) + 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.wd)

    best_val, best_test, bad = 0.0, 0.0, 0
    model.train()
    t0 = time.time()
    for epoch in range(1, args.epochs + 1):
        loss = train_one_epoch(model, optimizer, data)
        accs = evaluate(model, data)
        if accs["val"] > best_val:
            best_val, best_test, bad = accs["val"], accs["test"], 0
        else:
            bad += 1
        if epoch % 10 == 0:
            log.info("epoch %03d loss %.4f train %.3f val %.3f test %.3f", epoch, loss,
                     accs["train"], accs["val"], accs["test"])
        if bad >= args.patience:
            log.info("early stopping at epoch %d", epoch)
            break
    log.info("best val %.4f test %.4f (%.1fs)", best_val, best_test, time.time() - t0)


if __name__ == "__main__":
    main()
