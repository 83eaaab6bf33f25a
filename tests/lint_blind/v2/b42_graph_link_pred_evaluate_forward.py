# expect: TVL013
# style: PyG/OGB link-prediction script (encoder + dot-product decoder, Hits@K evaluation)
# bug: evaluate() scores edges with model.forward(x, adj) instead of model(x, adj)
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


class GCNEncoder(nn.Module):
    def __init__(self, in_dim, hid, out):
        super().__init__()
        self.lin1 = nn.Linear(in_dim, hid)
        self.lin2 = nn.Linear(hid, out)

    def forward(self, x, adj):
        deg = adj.sum(1, keepdim=True).clamp(min=1)
        x = F.relu(self.lin1(adj @ x / deg))
        x = F.dropout(x, 0.5, self.training)
        return self.lin2(adj @ x / deg)


def decode(z, edges):
    return (z[edges[0]] * z[edges[1]]).sum(-1)


def train(model, x, adj, pos_edges, optimizer):
    model.train()
    optimizer.zero_grad()
    z = model(x, adj)
    neg_edges = torch.randint(0, x.size(0), pos_edges.shape)
    pos_out, neg_out = decode(z, pos_edges), decode(z, neg_edges)
    loss = F.binary_cross_entropy_with_logits(pos_out, torch.ones_like(pos_out)) + \
        F.binary_cross_entropy_with_logits(neg_out, torch.zeros_like(neg_out))
    loss.backward()
    optimizer.step()
    return loss.item()


@torch.no_grad()
def evaluate(model, x, adj, pos_edges, neg_edges, k=50):
    model.eval()
    z = model.forward(x, adj)
    pos, neg = decode(z, pos_edges), decode(z, neg_edges)
    kth = torch.topk(neg, k).values[-1]
    return (pos > kth).float().mean().item()


def main():
    parser = argparse.ArgumentParser(description="OGBL-style link prediction")
    parser.add_argument("--hidden_channels", type=int, default=128)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--eval_steps", type=int, default=10)
    args = parser.parse_args()
    n = 1000
    x = torch.randn(n, 64)
    adj = (torch.rand(n, n) < 0.005).float()
    edges = adj.nonzero().t()
    perm = torch.randperm(edges.size(1))
    train_e, valid_e = edges[:, perm[:-200]], edges[:, perm[-200:]]
    valid_neg = torch.randint(0, n, (2, 2000))
    model = GCNEncoder(64, args.hidden_channels, args.hidden_channels)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(1, args.epochs + 1):
        loss = train(model, x, adj, train_e, optimizer)
        if epoch % args.eval_steps == 0:
            print(f"Epoch {epoch:02d} loss {loss:.4f} valid Hits@50 {evaluate(model, x, adj, valid_e, valid_neg):.4f}")


if __name__ == "__main__":
    main()
