# expect: TVL001
# style: PyTorch Geometric node-classification script (GraphSAGE, full batch)
# bug: helper `embed()` is decorated with @torch.no_grad() and is the only path from the model to the training loss
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class SAGELayer(nn.Module):
    def __init__(self, in_dim, out_dim):
        super().__init__()
        self.lin_self = nn.Linear(in_dim, out_dim)
        self.lin_neigh = nn.Linear(in_dim, out_dim)

    def forward(self, x, adj):
        neigh = adj @ x / adj.sum(1, keepdim=True).clamp(min=1)
        return self.lin_self(x) + self.lin_neigh(neigh)


class GraphSAGE(nn.Module):
    def __init__(self, in_dim, hidden, n_cls):
        super().__init__()
        self.conv1 = SAGELayer(in_dim, hidden)
        self.conv2 = SAGELayer(hidden, n_cls)

    def forward(self, x, adj):
        x = F.relu(self.conv1(x, adj))
        x = F.dropout(x, p=0.5, training=self.training)
        return self.conv2(x, adj)


@torch.no_grad()
def embed(model, data):
    return model(data["x"], data["adj"])


def train(model, data, optimizer):
    model.train()
    optimizer.zero_grad()
    out = embed(model, data)
    loss = F.cross_entropy(out[data["train_mask"]], data["y"][data["train_mask"]])
    loss.backward()
    optimizer.step()
    return float(loss)


@torch.no_grad()
def test(model, data):
    model.eval()
    pred = model(data["x"], data["adj"]).argmax(-1)
    return [(pred[m] == data["y"][m]).float().mean().item() for m in (data["train_mask"], data["val_mask"])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=200)
    args = ap.parse_args()
    n, f, c = 2708, 1433, 7
    adj = (torch.rand(n, n) < 0.002).float()
    data = {"x": torch.randn(n, f), "adj": adj, "y": torch.randint(0, c, (n,)),
            "train_mask": torch.rand(n) < 0.1, "val_mask": torch.rand(n) < 0.2}
    model = GraphSAGE(f, args.hidden, c)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)
    for epoch in range(1, args.epochs + 1):
        loss = train(model, data, optimizer)
        tr, va = test(model, data)
        print(f"Epoch {epoch:03d} loss {loss:.4f} train {tr:.3f} val {va:.3f}")


if __name__ == "__main__":
    main()
