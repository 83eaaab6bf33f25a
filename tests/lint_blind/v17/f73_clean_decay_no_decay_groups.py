# expect: clean
# style: HF-style get_optimizer_grouped_parameters() helper, GCN node classification notebook variant
# note: parameters are filtered by name into a decay group, like the buggy variant, but the complementary no-decay group (biases and norm weights) is also passed, so every parameter is optimised exactly once.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
N, F_IN, C = 3000, 100, 6
labels = torch.randint(0, C, (N,))
x = torch.randn(N, F_IN)
x[:, :C] += 2 * F.one_hot(labels, C).float()
src = torch.randint(0, N, (15000,))
same = labels[src]
dst = torch.stack([torch.nonzero(labels == c).flatten()[torch.randint(0, int((labels == c).sum()), (1,))] for c in same.tolist()]).flatten()
edge_index = torch.cat([torch.stack([src, dst]), torch.stack([dst, src])], 1)
perm = torch.randperm(N)
train_idx, val_idx, test_idx = perm[:300], perm[300:800], perm[800:1800]


def gcn_norm(ei, n):
    loop = torch.arange(n)
    ei = torch.cat([ei, torch.stack([loop, loop])], 1)
    deg = torch.zeros(n).scatter_add_(0, ei[0], torch.ones(ei.size(1)))
    return torch.sparse_coo_tensor(ei, deg[ei[0]].rsqrt() * deg[ei[1]].rsqrt(), (n, n)).coalesce()


A = gcn_norm(edge_index, N)


class GCN(nn.Module):
    def __init__(self, fin, hid, fout, p=0.5):
        super().__init__()
        self.lin1 = nn.Linear(fin, hid)
        self.norm1 = nn.LayerNorm(hid)
        self.lin2 = nn.Linear(hid, fout)
        self.p = p

    def forward(self, x, adj):
        h = torch.sparse.mm(adj, self.lin1(F.dropout(x, self.p, self.training)))
        h = F.relu(self.norm1(h))
        return torch.sparse.mm(adj, self.lin2(F.dropout(h, self.p, self.training)))


def grouped_parameters(model, weight_decay):
    no_decay = ("bias", "norm")
    return [
        {"params": [p for n, p in model.named_parameters() if not any(nd in n for nd in no_decay)],
         "weight_decay": weight_decay},
        {"params": [p for n, p in model.named_parameters() if any(nd in n for nd in no_decay)],
         "weight_decay": 0.0},
    ]


model = GCN(F_IN, 64, C)
optimizer = torch.optim.AdamW(grouped_parameters(model, 5e-4), lr=0.01)
n_opt = sum(p.numel() for g in optimizer.param_groups for p in g["params"])
assert n_opt == sum(p.numel() for p in model.parameters()), "every parameter must be in exactly one group"


def acc(out, idx):
    return (out[idx].argmax(1) == labels[idx]).float().mean().item()


best_val, best_state = 0.0, None
t0 = time.time()
for epoch in range(200):
    model.train()
    optimizer.zero_grad()
    out = model(x, A)
    loss = F.cross_entropy(out[train_idx], labels[train_idx])
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        out = model(x, A)
    va = acc(out, val_idx)
    if va > best_val:
        best_val, best_state = va, {k: v.clone() for k, v in model.state_dict().items()}
    if epoch % 25 == 0:
        print(f"epoch {epoch:3d} loss {loss.item():.4f} val {va:.3f} ({time.time() - t0:.1f}s)")

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    print("test", acc(model(x, A), test_idx))
