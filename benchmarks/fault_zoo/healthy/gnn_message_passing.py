# zoo: healthy
"""Healthy: a two-layer graph convolutional network (Kipf & Welling style message passing with
a symmetrically normalised adjacency and self-loops) for node classification on a synthetic
stochastic block model, full-batch training on the train mask with Adam, weight decay, dropout,
and validation accuracy on held-out nodes."""

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
nodes, classes = 600, 4
labels = torch.randint(0, classes, (nodes,), generator=g)
same = labels.unsqueeze(0) == labels.unsqueeze(1)
prob = torch.where(same, torch.tensor(0.04), torch.tensor(0.005))
upper = torch.triu((torch.rand(nodes, nodes, generator=g) < prob).float(), diagonal=1)
adj = upper + upper.t() + torch.eye(nodes)
deg = adj.sum(1)
adj_norm = adj / torch.sqrt(deg.unsqueeze(0) * deg.unsqueeze(1))  # D^-1/2 (A + I) D^-1/2
features = 0.5 * F.one_hot(labels, classes).float() @ torch.randn(classes, 16, generator=g)
features = features + torch.randn(nodes, 16, generator=g)
perm = torch.randperm(nodes, generator=g)
train_idx, val_idx = perm[:300], perm[300:]


class GCN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.lin1 = nn.Linear(16, 32)
        self.lin2 = nn.Linear(32, classes)
        self.dropout = nn.Dropout(0.3)

    def forward(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        h = F.relu(a @ self.lin1(x))  # aggregate the neighbours' messages
        return a @ self.lin2(self.dropout(h))


model = GCN()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=5e-4)
for step in range(200):
    model.train()
    optimizer.zero_grad()
    logits = model(features, adj_norm)
    loss = F.cross_entropy(logits[train_idx], labels[train_idx])
    loss.backward()
    optimizer.step()
    if step % 50 == 0 or step == 199:
        model.eval()
        with torch.no_grad():
            acc = (model(features, adj_norm)[val_idx].argmax(1) == labels[val_idx]).float().mean()
        print(f"step {step}: loss {loss.item():.3f}, val acc {acc:.3f}")
