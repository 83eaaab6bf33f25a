# expect: clean
# style: full-batch graph attention network (GAT) for node classification with early stopping, functions for train/eval
# note: full-batch GNN loops often forget zero_grad or the train()/eval() toggle — train_step() zeroes gradients every epoch and sets model.train(), evaluate() sets model.eval(), and the attention masking uses -inf only for non-edges (self-loops guarantee each row has a neighbour)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def synth_graph(n=1500, feats=50, classes=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, classes, (n,), generator=g)
    x = F.one_hot(y, classes).float() @ torch.randn(classes, feats, generator=g) + torch.randn(n, feats, generator=g)
    same = (y[:, None] == y[None, :]).float()
    prob = 0.01 * same + 0.001
    adj = torch.rand(n, n, generator=g) < prob
    adj = adj | adj.t() | torch.eye(n, dtype=torch.bool)
    return x, y, adj


class GATLayer(nn.Module):
    def __init__(self, cin, cout, heads=4, concat=True, dropout=0.6):
        super().__init__()
        self.W = nn.Linear(cin, cout * heads, bias=False)
        self.a_src = nn.Parameter(torch.empty(heads, cout))
        self.a_dst = nn.Parameter(torch.empty(heads, cout))
        nn.init.xavier_uniform_(self.a_src)
        nn.init.xavier_uniform_(self.a_dst)
        self.heads, self.cout, self.concat, self.dropout = heads, cout, concat, dropout

    def forward(self, x, adj):
        h = self.W(x).view(-1, self.heads, self.cout)
        e = (h * self.a_src).sum(-1).t()[:, :, None] + (h * self.a_dst).sum(-1).t()[:, None, :]
        e = F.leaky_relu(e, 0.2).masked_fill(~adj[None], float("-inf"))
        att = F.dropout(torch.softmax(e, dim=-1), self.dropout, self.training)
        out = torch.einsum("hij,jhc->ihc", att, h)
        return out.reshape(x.size(0), -1) if self.concat else out.mean(1)


class GAT(nn.Module):
    def __init__(self, cin, hidden, classes):
        super().__init__()
        self.l1 = GATLayer(cin, hidden, heads=8)
        self.l2 = GATLayer(hidden * 8, classes, heads=1, concat=False)

    def forward(self, x, adj):
        x = F.dropout(x, 0.6, self.training)
        x = F.elu(self.l1(x, adj))
        x = F.dropout(x, 0.6, self.training)
        return self.l2(x, adj)


def train_step(model, opt, x, adj, y, mask):
    model.train()
    opt.zero_grad()
    out = model(x, adj)
    loss = F.cross_entropy(out[mask], y[mask])
    loss.backward()
    opt.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, x, adj, y, masks):
    model.eval()
    pred = model(x, adj).argmax(1)
    return [(pred[m] == y[m]).float().mean().item() for m in masks]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=400)
    ap.add_argument("--patience", type=int, default=50)
    args = ap.parse_args()
    torch.manual_seed(0)
    x, y, adj = synth_graph()
    perm = torch.randperm(len(y))
    masks = [torch.zeros(len(y), dtype=torch.bool) for _ in range(3)]
    masks[0][perm[:150]] = True
    masks[1][perm[150:650]] = True
    masks[2][perm[650:]] = True
    model = GAT(x.size(1), 8, int(y.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=5e-3, weight_decay=5e-4)
    best_val, best_state, bad = 0.0, None, 0
    for epoch in range(args.epochs):
        loss = train_step(model, opt, x, adj, y, masks[0])
        tr, va, _ = evaluate(model, x, adj, y, masks)
        if va > best_val:
            best_val, bad = va, 0
            best_state = {k: v.clone() for k, v in model.state_dict().items()}
        else:
            bad += 1
        if epoch % 25 == 0:
            print(f"epoch {epoch:03d} loss {loss:.4f} train {tr:.3f} val {va:.3f}")
        if bad > args.patience:
            break
    model.load_state_dict(best_state)
    print("test acc:", evaluate(model, x, adj, y, masks)[2])


if __name__ == "__main__":
    main()
