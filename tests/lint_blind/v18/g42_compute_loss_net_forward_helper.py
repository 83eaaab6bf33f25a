# expect: TVL013
# style: graph link prediction (GraphSAGE-like on dense adjacency), losses in a helper, hook-based embedding normalisation
# bug: link_loss() calls encoder.forward(x, adj) directly, so the forward hook registered on the encoder in main() (L2-normalising node embeddings for the cosine decoder) is skipped in training but applied at evaluation.
import argparse
import logging

import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("linkpred")


class SAGELayer(nn.Module):
    def __init__(self, d_in, d_out):
        super().__init__()
        self.self_lin = nn.Linear(d_in, d_out)
        self.neigh_lin = nn.Linear(d_in, d_out)

    def forward(self, x, adj_norm):
        return self.self_lin(x) + self.neigh_lin(adj_norm @ x)


class SAGEEncoder(nn.Module):
    def __init__(self, d_in, hidden=64, out=32):
        super().__init__()
        self.l1 = SAGELayer(d_in, hidden)
        self.l2 = SAGELayer(hidden, out)

    def forward(self, x, adj_norm):
        h = F.relu(self.l1(x, adj_norm))
        h = F.dropout(h, 0.3, self.training)
        return self.l2(h, adj_norm)


def make_graph(n=800, d=32, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    comm = torch.randint(0, k, (n,), generator=g)
    p = torch.where(comm[:, None] == comm[None, :], 0.04, 0.002)
    adj = (torch.rand(n, n, generator=g) < p).float().triu(1)
    adj = adj + adj.t()
    x = torch.randn(n, d, generator=g) + F.one_hot(comm, d).float()
    return x, adj


def split_edges(adj, val_frac=0.1, seed=0):
    src, dst = adj.triu(1).nonzero(as_tuple=True)
    perm = torch.randperm(len(src), generator=torch.Generator().manual_seed(seed))
    n_val = int(val_frac * len(src))
    val = (src[perm[:n_val]], dst[perm[:n_val]])
    train = (src[perm[n_val:]], dst[perm[n_val:]])
    train_adj = torch.zeros_like(adj)
    train_adj[train[0], train[1]] = 1
    train_adj = train_adj + train_adj.t()
    return train, val, train_adj


def normalize(adj):
    deg = adj.sum(1, keepdim=True).clamp(min=1)
    return adj / deg


def sample_negatives(n_nodes, n):
    return torch.randint(0, n_nodes, (n,)), torch.randint(0, n_nodes, (n,))


def l2_normalize_hook(module, inputs, output, temperature=0.2):
    # cosine-similarity decoder: unit-norm embeddings, sharpened by a temperature
    return F.normalize(output, dim=-1) / temperature ** 0.5


def score(z, s, d):
    return (z[s] * z[d]).sum(-1)


def link_loss(encoder, x, adj_norm, pos):
    z = encoder.forward(x, adj_norm)
    neg = sample_negatives(x.size(0), len(pos[0]))
    pos_logit, neg_logit = score(z, *pos), score(z, *neg)
    return F.binary_cross_entropy_with_logits(pos_logit, torch.ones_like(pos_logit)) + \
        F.binary_cross_entropy_with_logits(neg_logit, torch.zeros_like(neg_logit))


@torch.no_grad()
def auc(encoder, x, adj_norm, pos):
    encoder.eval()
    z = encoder(x, adj_norm)
    neg = sample_negatives(x.size(0), len(pos[0]))
    p, q = score(z, *pos), score(z, *neg)
    encoder.train()
    return (p[:, None] > q[None, :]).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--lr", type=float, default=5e-3)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO)

    x, adj = make_graph()
    train_pos, val_pos, train_adj = split_edges(adj)
    adj_norm = normalize(train_adj)
    encoder = SAGEEncoder(x.size(1))
    encoder.register_forward_hook(l2_normalize_hook)
    opt = torch.optim.Adam(encoder.parameters(), lr=args.lr)

    for epoch in range(args.epochs):
        encoder.train()
        loss = link_loss(encoder, x, adj_norm, train_pos)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if epoch % 20 == 0:
            log.info("epoch %d loss %.4f val_auc %.4f", epoch, loss.item(), auc(encoder, x, adj_norm, val_pos))
    torch.save(encoder.state_dict(), "sage_linkpred.pt")


if __name__ == "__main__":
    main()
