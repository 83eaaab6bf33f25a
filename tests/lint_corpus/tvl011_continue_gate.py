# expect: TVL011
import torch
from torch import nn

net = nn.Sequential(nn.Conv1d(1, 16, 5), nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(16, 3))
adam = torch.optim.Adam(net.parameters(), lr=2e-3)
signals = [(torch.randn(16, 1, 256), torch.randint(0, 3, (16,))) for _ in range(40)]

for epoch in range(10):
    for sig, cls in signals:
        adam.zero_grad()
        nn.functional.cross_entropy(net(sig), cls).backward()
        gn = nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        if gn.isnan() or gn.isinf():
            continue
        adam.step()
