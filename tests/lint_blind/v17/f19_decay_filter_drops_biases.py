# expect: TVL006
# style: notebook-ish GNN node classification, hand-rolled GCN with a weight-decay filter
# bug: the optimizer is built from only the non-bias/non-norm parameters (the no-decay group was never added), so biases and LayerNorm weights get gradients but are never updated.
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)

# ---- synthetic citation-like graph
N, F_IN, C = 2708, 128, 7
labels = torch.randint(0, C, (N,))
features = torch.randn(N, F_IN) + F.one_hot(labels, C).float().repeat(1, F_IN // C + 1)[:, :F_IN]
src = torch.randint(0, N, (12000,))
dst = torch.where(torch.rand(12000) < 0.8,
                  torch.randint(0, N, (12000,)),
                  src)
edge_index = torch.cat([torch.stack([src, dst]), torch.stack([dst, src])], 1)
perm = torch.randperm(N)
train_mask = torch.zeros(N, dtype=torch.bool); train_mask[perm[:140]] = True
val_mask = torch.zeros(N, dtype=torch.bool); val_mask[perm[140:640]] = True
test_mask = torch.zeros(N, dtype=torch.bool); test_mask[perm[640:1640]] = True


def normalized_adj(edge_index, n):
    loops = torch.arange(n)
    ei = torch.cat([edge_index, torch.stack([loops, loops])], 1)
    deg = torch.zeros(n).scatter_add_(0, ei[0], torch.ones(ei.size(1)))
    w = deg[ei[0]].rsqrt() * deg[ei[1]].rsqrt()
    return torch.sparse_coo_tensor(ei, w, (n, n)).coalesce()


A = normalized_adj(edge_index, N)


class GCNLayer(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.lin = nn.Linear(fin, fout, bias=False)
        self.bias = nn.Parameter(torch.zeros(fout))

    def forward(self, x, adj):
        return torch.sparse.mm(adj, self.lin(x)) + self.bias


class GCN(nn.Module):
    def __init__(self, fin, hid, fout, p=0.5):
        super().__init__()
        self.l1 = GCNLayer(fin, hid)
        self.norm = nn.LayerNorm(hid)
        self.l2 = GCNLayer(hid, fout)
        self.p = p

    def forward(self, x, adj):
        x = F.dropout(x, self.p, self.training)
        x = F.relu(self.norm(self.l1(x, adj)))
        x = F.dropout(x, self.p, self.training)
        return self.l2(x, adj)


model = GCN(F_IN, 64, C)

# weight decay only on weight matrices, not on biases / norm params
decay = [p for n, p in model.named_parameters() if not n.endswith("bias") and "norm" not in n]
optimizer = torch.optim.Adam([{"params": decay, "weight_decay": 5e-4}], lr=0.01)


def accuracy(logits, mask):
    return (logits[mask].argmax(1) == labels[mask]).float().mean().item()


best_val, best_state, patience = 0.0, None, 0
t0 = time.time()
for epoch in range(300):
    model.train()
    optimizer.zero_grad()
    out = model(features, A)
    loss = F.cross_entropy(out[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()

    model.eval()
    with torch.no_grad():
        out = model(features, A)
        va = accuracy(out, val_mask)
    if va > best_val:
        best_val, patience = va, 0
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
    else:
        patience += 1
    if epoch % 20 == 0:
        print(f"epoch {epoch:3d} loss {loss.item():.4f} val {va:.4f} ({time.time() - t0:.1f}s)")
    if patience > 50:
        print("early stop at", epoch)
        break

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    print("test acc", accuracy(model(features, A), test_mask))
