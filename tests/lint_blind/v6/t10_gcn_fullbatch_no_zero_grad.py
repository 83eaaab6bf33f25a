# expect: TVL003
# style: course-project notebook, full-batch GCN node classification
# bug: the full-batch epoch loop calls backward() and step() but never zero_grad(), so gradients accumulate over epochs.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(7)

# ---------------- synthetic citation-like graph ----------------
num_nodes, num_feats, num_classes = 600, 32, 4
labels = torch.randint(0, num_classes, (num_nodes,))
centers = torch.randn(num_classes, num_feats)
x = centers[labels] + 0.8 * torch.randn(num_nodes, num_feats)

edges = []
for i in range(num_nodes):
    same = (labels == labels[i]).nonzero().view(-1)
    for j in same[torch.randint(0, len(same), (3,))].tolist():
        if j != i:
            edges.append((i, j))
            edges.append((j, i))
edge_index = torch.tensor(edges).t()

A = torch.zeros(num_nodes, num_nodes)
A[edge_index[0], edge_index[1]] = 1.0
A = A + torch.eye(num_nodes)
deg_inv_sqrt = A.sum(1).pow(-0.5)
A_hat = deg_inv_sqrt[:, None] * A * deg_inv_sqrt[None, :]

perm = torch.randperm(num_nodes)
train_mask = torch.zeros(num_nodes, dtype=torch.bool); train_mask[perm[:120]] = True
val_mask = torch.zeros(num_nodes, dtype=torch.bool); val_mask[perm[120:300]] = True
test_mask = torch.zeros(num_nodes, dtype=torch.bool); test_mask[perm[300:]] = True


class GCNLayer(nn.Module):
    def __init__(self, fin, fout):
        super().__init__()
        self.lin = nn.Linear(fin, fout)

    def forward(self, h, adj):
        return adj @ self.lin(h)


class GCN(nn.Module):
    def __init__(self, fin, hid, fout, p=0.5):
        super().__init__()
        self.l1 = GCNLayer(fin, hid)
        self.l2 = GCNLayer(hid, fout)
        self.p = p

    def forward(self, h, adj):
        h = F.dropout(h, self.p, self.training)
        h = F.relu(self.l1(h, adj))
        h = F.dropout(h, self.p, self.training)
        return self.l2(h, adj)


model = GCN(num_feats, 16, num_classes)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)

best_val, best_state = 0.0, None
for epoch in range(200):
    model.train()
    out = model(x, A_hat)
    loss = F.cross_entropy(out[train_mask], labels[train_mask])
    loss.backward()
    optimizer.step()

    model.eval()
    with torch.no_grad():
        pred = model(x, A_hat).argmax(1)
        val_acc = (pred[val_mask] == labels[val_mask]).float().mean().item()
    if val_acc > best_val:
        best_val = val_acc
        best_state = {k: v.clone() for k, v in model.state_dict().items()}
    if epoch % 20 == 0:
        print(f"epoch {epoch:3d} loss {loss.item():.4f} val {val_acc:.3f}")

model.load_state_dict(best_state)
model.eval()
with torch.no_grad():
    pred = model(x, A_hat).argmax(1)
print("test acc", (pred[test_mask] == labels[test_mask]).float().mean().item())
