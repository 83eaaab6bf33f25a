# expect: TVL003
# style: graph node classification (GCN) full-batch training, zero_grad only once before the loop
# bug: optimizer.zero_grad() is called once before the epoch loop; each epoch's backward adds onto the previous gradients
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def random_graph(n=600, p=0.02, feat=32, n_cls=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    adj = (torch.rand(n, n, generator=g) < p).float()
    adj = ((adj + adj.T) > 0).float()
    adj.fill_diagonal_(1.0)
    deg = adj.sum(1)
    d = deg.pow(-0.5)
    a_hat = d[:, None] * adj * d[None, :]
    x = torch.randn(n, feat, generator=g)
    y = torch.randint(0, n_cls, (n,), generator=g)
    perm = torch.randperm(n, generator=g)
    train_mask = torch.zeros(n, dtype=torch.bool); train_mask[perm[:300]] = True
    val_mask = torch.zeros(n, dtype=torch.bool); val_mask[perm[300:450]] = True
    return a_hat, x, y, train_mask, val_mask


class GCNLayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.lin = nn.Linear(i, o)

    def forward(self, a_hat, h):
        return a_hat @ self.lin(h)


class GCN(nn.Module):
    def __init__(self, i, h, o, dropout=0.5):
        super().__init__()
        self.l1, self.l2 = GCNLayer(i, h), GCNLayer(h, o)
        self.dropout = dropout

    def forward(self, a_hat, x):
        h = F.relu(self.l1(a_hat, x))
        h = F.dropout(h, self.dropout, self.training)
        return self.l2(a_hat, h)


def accuracy(logits, y, mask):
    return (logits[mask].argmax(-1) == y[mask]).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--lr", type=float, default=0.01)
    args = ap.parse_args()
    a_hat, x, y, tr, va = random_graph()
    model = GCN(x.size(1), args.hidden, int(y.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=5e-4)
    opt.zero_grad()
    best_val = 0.0
    for epoch in range(args.epochs):
        model.train()
        out = model(a_hat, x)
        loss = F.cross_entropy(out[tr], y[tr])
        loss.backward()
        opt.step()
        model.eval()
        with torch.no_grad():
            out = model(a_hat, x)
        val_acc = accuracy(out, y, va)
        best_val = max(best_val, val_acc)
        if epoch % 20 == 0:
            print(f"epoch {epoch:03d} loss {loss.item():.4f} val {val_acc:.3f} best {best_val:.3f}")


if __name__ == "__main__":
    main()
