# expect: TVL013
# style: graph link-prediction with an encoder/decoder pair held by a LinkPredictor module; encode() calls self.encoder.forward
# bug: `LinkPredictor.encode` invokes `self.encoder.forward(x, adj)` rather than `self.encoder(x, adj)`, bypassing the module call machinery (hooks set up by the spectral-norm style monitor)
import torch
import torch.nn as nn
import torch.nn.functional as F


class SAGELayer(nn.Module):
    def __init__(self, i, o):
        super().__init__()
        self.self_lin = nn.Linear(i, o)
        self.neigh_lin = nn.Linear(i, o)

    def forward(self, x, adj):
        deg = adj.sum(1, keepdim=True).clamp(min=1)
        return self.self_lin(x) + self.neigh_lin(adj @ x / deg)


class Encoder(nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.l1, self.l2 = SAGELayer(i, h), SAGELayer(h, h)

    def forward(self, x, adj):
        return self.l2(F.relu(self.l1(x, adj)), adj)


class LinkPredictor(nn.Module):
    def __init__(self, i, h):
        super().__init__()
        self.encoder = Encoder(i, h)

    def encode(self, x, adj):
        return self.encoder.forward(x, adj)

    @staticmethod
    def decode(z, edges):
        return (z[edges[0]] * z[edges[1]]).sum(-1)


def activation_monitor(stats):
    def hook(mod, inp, out):
        stats.append(out.detach().norm(dim=-1).mean().item())
    return hook


def sample_graph(n=800, m=6000, feat=24):
    src, dst = torch.randint(0, n, (m,)), torch.randint(0, n, (m,))
    adj = torch.zeros(n, n)
    adj[src, dst] = 1.0
    adj[dst, src] = 1.0
    return torch.randn(n, feat), adj, torch.stack([src, dst])


def main(epochs=100):
    x, adj, pos_edges = sample_graph()
    model = LinkPredictor(x.size(1), 64)
    stats = []
    model.encoder.register_forward_hook(activation_monitor(stats))
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    for ep in range(epochs):
        model.train()
        perm = torch.randperm(pos_edges.size(1))[:2048]
        pos = pos_edges[:, perm]
        neg = torch.randint(0, x.size(0), pos.shape)
        z = model.encode(x, adj)
        logits = torch.cat([model.decode(z, pos), model.decode(z, neg)])
        labels = torch.cat([torch.ones(pos.size(1)), torch.zeros(neg.size(1))])
        loss = F.binary_cross_entropy_with_logits(logits, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if ep % 10 == 0:
            act = stats[-1] if stats else float("nan")
            print(f"epoch {ep} loss {loss.item():.4f} enc-act-norm {act:.3f}")


if __name__ == "__main__":
    main()
