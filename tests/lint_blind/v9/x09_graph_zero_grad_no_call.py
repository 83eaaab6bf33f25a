# expect: TVL003
# style: beginner notebook export, node classification GCN in plain PyTorch
# bug: optimizer.zero_grad is referenced without being called, so gradients are never cleared between iterations.
import os
import random
import torch
import torch.nn as nn
import torch.nn.functional as F


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


seed_everything(int(os.environ.get("SEED", 42)))

# In[1]:
torch.manual_seed(42)
num_nodes, num_feats, num_classes = 500, 32, 5
x = torch.randn(num_nodes, num_feats)
edge_index = torch.randint(0, num_nodes, (2, 3000))
y = torch.randint(0, num_classes, (num_nodes,))
perm = torch.randperm(num_nodes)
train_mask = torch.zeros(num_nodes, dtype=torch.bool)
train_mask[perm[:300]] = True
val_mask = torch.zeros(num_nodes, dtype=torch.bool)
val_mask[perm[300:400]] = True


# In[2]:
def normalized_adjacency(edge_index, n):
    A = torch.zeros(n, n)
    A[edge_index[0], edge_index[1]] = 1.0
    A = A + A.t()
    A = (A > 0).float() + torch.eye(n)
    deg = A.sum(1)
    d_inv_sqrt = deg.pow(-0.5)
    return d_inv_sqrt[:, None] * A * d_inv_sqrt[None, :]


A_hat = normalized_adjacency(edge_index, num_nodes)


# In[3]:
class GCN(nn.Module):
    def __init__(self, in_dim, hid, out_dim, dropout=0.5):
        super().__init__()
        self.lin1 = nn.Linear(in_dim, hid)
        self.lin2 = nn.Linear(hid, out_dim)
        self.dropout = dropout

    def forward(self, x, A):
        h = F.relu(A @ self.lin1(x))
        h = F.dropout(h, self.dropout, self.training)
        return A @ self.lin2(h)


model = GCN(num_feats, 64, num_classes)
optimizer = torch.optim.Adam(model.parameters(), lr=0.01, weight_decay=5e-4)


# In[4]:
def accuracy(logits, labels):
    return (logits.argmax(1) == labels).float().mean().item()


best_val = 0.0
for epoch in range(200):
    model.train()
    optimizer.zero_grad
    out = model(x, A_hat)
    loss = F.cross_entropy(out[train_mask], y[train_mask])
    loss.backward()
    optimizer.step()

    model.eval()
    with torch.no_grad():
        out = model(x, A_hat)
        val_acc = accuracy(out[val_mask], y[val_mask])
    if val_acc > best_val:
        best_val = val_acc
        torch.save(model.state_dict(), "best_gcn.pt")
    if epoch % 20 == 0:
        print(f"Epoch {epoch:03d} | loss {loss.item():.4f} | val acc {val_acc:.3f}")

# In[5]:
print("best val acc", best_val)
