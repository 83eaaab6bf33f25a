# expect: clean
import torch
import torch.nn as nn


def reset_grads(module):
    for p in module.parameters():
        p.grad = None


def log_norms(module, it):
    total = sum(p.grad.norm() ** 2 for p in module.parameters() if p.grad is not None) ** 0.5
    print(it, float(total))


gnn = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 3))
rms = torch.optim.RMSprop(gnn.parameters(), lr=1e-3)
feats, labels = torch.randn(200, 16), torch.randint(0, 3, (200,))
for it in range(100):
    reset_grads(gnn)
    out = gnn(feats)
    nn.functional.cross_entropy(out, labels).backward()
    log_norms(gnn, it)
    rms.step()
