# expect: TVL003
# style: graph node classification, full-batch GCN, notebook-ish script
# bug: optimizer.zero_grad() is called once before the epoch loop, so every full-batch epoch adds its gradient on top of all previous ones
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)
np.random.seed(7)

# --- synthetic citation-like graph -------------------------------------------------
num_nodes, num_feats, num_classes = 1200, 64, 4
labels = torch.randint(0, num_classes, (num_nodes,))
centroids = torch.randn(num_classes, num_feats)
features = centroids[labels] + 0.8 * torch.randn(num_nodes, num_feats)

edges = []
for i in range(num_nodes):
    same = torch.nonzero(labels == labels[i]).flatten()
    for j in same[torch.randint(len(same), (4,))].tolist():
        if j != i:
            edges.append((i, j))
    j = int(torch.randint(num_nodes, (1,)))
    if j != i:
        edges.append((i, j))
edge_index = torch.tensor(edges).t()
edge_index = torch.cat([edge_index, edge_index.flip(0)], 1)

perm = torch.randperm(num_nodes)
train_mask = torch.zeros(num_nodes, dtype=torch.bool)
val_mask = torch.zeros(num_nodes, dtype=torch.bool)
test_mask = torch.zeros(num_nodes, dtype=torch.bool)
train_mask[perm[:240]] = True
val_mask[perm[240:540]] = True
test_mask[perm[540:]] = True


def normalized_adj(edge_index, n):
    loops = torch.arange(n)
    ei = torch.cat([edge_index, torch.stack([loops, loops])], 1)
    vals = torch.ones(ei.size(1))
    deg = torch.zeros(n).scatter_add_(0, ei[0], vals)
    dinv = deg.pow(-0.5)
    vals = dinv[ei[0]] * vals * dinv[ei[1]]
    return torch.sparse_coo_tensor(ei, vals, (n, n)).coalesce()


A_hat = normalized_adj(edge_index, num_nodes)


class GCNLayer(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.lin = nn.Linear(cin, cout)

    def forward(self, x, adj):
        return torch.sparse.mm(adj, self.lin(x))


class GCN(nn.Module):
    def __init__(self, cin, hidden, cout, p=0.5):
        super().__init__()
        self.l1 = GCNLayer(cin, hidden)
        self.l2 = GCNLayer(hidden, cout)
        self.p = p

    def forward(self, x, adj):
        x = F.dropout(x, self.p, self.training)
        x = F.relu(self.l1(x, adj))
        x = F.dropout(x, self.p, self.training)
        return self.l2(x, adj)


model = GCN(num_feats, 32, num_classes)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)


def accuracy(logits, mask):
    return (logits[mask].argmax(1) == labels[mask]).float().mean().item()


best_val, best_state, patience, bad = 0.0, None, 30, 0
optimizer.zero_grad()
for epoch in range(300):
    model.train()
    out = model(features, A_hat)
    loss = F.cross_entropy(out[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()

    model.eval()
    with torch.no_grad():
        logits = model(features, A_hat)
        val_acc = accuracy(logits, val_mask)
        val_loss = F.cross_entropy(logits[val_mask], labels[val_mask]).item()
    if val_acc > best_val:
        best_val, bad = val_acc, 0
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
    else:
        bad += 1
    if epoch % 20 == 0:
        print(f"epoch {epoch:03d} loss {loss.item():.4f} val_loss {val_loss:.4f} val_acc {val_acc:.3f}")
    if bad >= patience:
        print("early stopping at", epoch)
        break

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    print("test acc:", accuracy(model(features, A_hat), test_mask))
