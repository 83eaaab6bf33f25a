# expect: clean
import torch
import torch.nn as nn
import torch.nn.functional as F

n_nodes, n_feats, n_classes = 300, 24, 7
feats = torch.randn(n_nodes, n_feats)
node_labels = torch.randint(0, n_classes, (n_nodes,)).to(torch.long)
is_train = torch.rand(n_nodes) < 0.6

mlp = nn.Sequential(nn.Linear(n_feats, 64), nn.ReLU(), nn.Linear(64, n_classes))
opt = torch.optim.Adam(mlp.parameters(), lr=0.01)
for epoch in range(50):
    logits = mlp(feats)
    loss = F.cross_entropy(logits[is_train], node_labels[is_train])
    opt.zero_grad()
    loss.backward()
    opt.step()
