# expect: clean
# style: cluster job script configured through environment variables, GNN link prediction fine-tuning
# note: the checkpoint path comes from an environment variable, which looks like the unsafe pattern, but torch.load is called with weights_only=True.
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

NUM_NODES = int(os.environ.get("NUM_NODES", "2000"))
EPOCHS = int(os.environ.get("EPOCHS", "100"))
LR = float(os.environ.get("LR", "0.01"))
INIT = os.environ.get("INIT_WEIGHTS")


class GraphEncoder(nn.Module):
    def __init__(self, n, dim=64):
        super().__init__()
        self.emb = nn.Embedding(n, dim)
        self.l1 = nn.Linear(dim, dim)
        self.l2 = nn.Linear(dim, dim)

    def forward(self, adj_norm):
        h = F.relu(adj_norm @ self.l1(self.emb.weight))
        return adj_norm @ self.l2(h)


def normalize(adj):
    adj = adj + torch.eye(adj.size(0))
    d = adj.sum(1).pow(-0.5)
    return d[:, None] * adj * d[None, :]


def link_logits(z, pairs):
    return (z[pairs[0]] * z[pairs[1]]).sum(-1)


src = torch.randint(0, NUM_NODES, (10000,))
dst = (src + torch.randint(1, 30, (10000,))) % NUM_NODES
edges = torch.stack([src, dst])
perm = torch.randperm(edges.size(1))
train_e, test_e = edges[:, perm[:9000]], edges[:, perm[9000:]]
A = torch.zeros(NUM_NODES, NUM_NODES)
A[train_e[0], train_e[1]] = 1.0
A = normalize(((A + A.t()) > 0).float())

model = GraphEncoder(NUM_NODES)
if INIT:
    state = torch.load(INIT, map_location="cpu", weights_only=True)
    model.load_state_dict(state)
    print("initialised from", INIT)
opt = torch.optim.Adam(model.parameters(), lr=LR)

for epoch in range(EPOCHS):
    model.train()
    opt.zero_grad()
    z = model(A)
    neg = torch.randint(0, NUM_NODES, train_e.shape)
    pos_l, neg_l = link_logits(z, train_e), link_logits(z, neg)
    loss = F.binary_cross_entropy_with_logits(torch.cat([pos_l, neg_l]),
                                              torch.cat([torch.ones_like(pos_l), torch.zeros_like(neg_l)]))
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        model.eval()
        with torch.no_grad():
            z = model(A)
            neg_t = torch.randint(0, NUM_NODES, test_e.shape)
            acc = ((link_logits(z, test_e) > 0).float().mean() + (link_logits(z, neg_t) < 0).float().mean()) / 2
        print(f"epoch {epoch} loss {loss.item():.4f} test acc {acc.item():.3f}")

torch.save(model.state_dict(), os.environ.get("OUT_WEIGHTS", "gae.pt"))
