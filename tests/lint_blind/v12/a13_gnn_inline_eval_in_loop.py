# expect: TVL004
# style: graph node classification (GCN, dense adjacency), single script, inline loop
# bug: model.train() is set before the epoch loop and the per-epoch validation block calls model.eval() without ever switching back, so dropout is disabled after the first epoch
import argparse
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def random_graph(n_nodes=2708, n_feats=1433, n_classes=7, p=0.002, seed=0):
    g = torch.Generator().manual_seed(seed)
    adj = (torch.rand(n_nodes, n_nodes, generator=g) < p).float()
    adj = ((adj + adj.t()) > 0).float()
    adj.fill_diagonal_(1.0)
    deg = adj.sum(1)
    d_inv_sqrt = deg.pow(-0.5)
    norm_adj = d_inv_sqrt[:, None] * adj * d_inv_sqrt[None, :]
    x = (torch.rand(n_nodes, n_feats, generator=g) < 0.01).float()
    y = torch.randint(0, n_classes, (n_nodes,), generator=g)
    perm = torch.randperm(n_nodes, generator=g)
    train_idx, val_idx, test_idx = perm[:140], perm[140:640], perm[640:1640]
    return x, norm_adj, y, train_idx, val_idx, test_idx


class GraphConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.lin = nn.Linear(cin, cout, bias=False)
        self.bias = nn.Parameter(torch.zeros(cout))

    def forward(self, x, adj):
        return adj @ self.lin(x) + self.bias


class GCN(nn.Module):
    def __init__(self, nfeat, nhid, nclass, dropout):
        super().__init__()
        self.gc1 = GraphConv(nfeat, nhid)
        self.gc2 = GraphConv(nhid, nclass)
        self.dropout = dropout

    def forward(self, x, adj):
        x = F.dropout(x, self.dropout, training=self.training)
        x = F.relu(self.gc1(x, adj))
        x = F.dropout(x, self.dropout, training=self.training)
        return self.gc2(x, adj)


def accuracy(logits, labels):
    return (logits.argmax(1) == labels).float().mean().item()


parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=200)
parser.add_argument("--lr", type=float, default=0.01)
parser.add_argument("--weight_decay", type=float, default=5e-4)
parser.add_argument("--hidden", type=int, default=16)
parser.add_argument("--dropout", type=float, default=0.5)
args = parser.parse_args()

x, adj, y, idx_train, idx_val, idx_test = random_graph()
model = GCN(x.size(1), args.hidden, int(y.max()) + 1, args.dropout)
optimizer = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

t_total = time.time()
best_val, best_epoch = 0.0, 0
model.train()
for epoch in range(args.epochs):
    t = time.time()
    optimizer.zero_grad()
    output = model(x, adj)
    loss_train = F.cross_entropy(output[idx_train], y[idx_train])
    acc_train = accuracy(output[idx_train], y[idx_train])
    loss_train.backward()
    optimizer.step()

    # validation pass (full-batch)
    model.eval()
    with torch.no_grad():
        output = model(x, adj)
        loss_val = F.cross_entropy(output[idx_val], y[idx_val]).item()
        acc_val = accuracy(output[idx_val], y[idx_val])
    if acc_val > best_val:
        best_val, best_epoch = acc_val, epoch
        torch.save(model.state_dict(), "gcn_best.pkl")

    print(f"Epoch: {epoch + 1:04d} loss_train: {loss_train.item():.4f} acc_train: {acc_train:.4f} "
          f"loss_val: {loss_val:.4f} acc_val: {acc_val:.4f} time: {time.time() - t:.4f}s")

print(f"Optimization Finished! Total time elapsed: {time.time() - t_total:.4f}s, best epoch {best_epoch}")
model.load_state_dict(torch.load("gcn_best.pkl", weights_only=True))
model.eval()
with torch.no_grad():
    out = model(x, adj)
print("Test set results: loss= {:.4f} accuracy= {:.4f}".format(
    F.cross_entropy(out[idx_test], y[idx_test]).item(), accuracy(out[idx_test], y[idx_test])))
