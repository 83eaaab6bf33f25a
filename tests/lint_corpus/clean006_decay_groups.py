# expect: clean
# Weight decay split by name: two groups from one model's named_parameters, disjoint by filter,
# and a second group list over two different sub-modules.
import torch
import torch.nn as nn

net = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.Linear(8, 1))
decay = [p for n, p in net.named_parameters() if not n.endswith("bias")]
no_decay = [p for n, p in net.named_parameters() if n.endswith("bias")]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}])
for _ in range(10):
    loss = net(torch.randn(4, 8)).sum()
    opt.zero_grad()
    loss.backward()
    opt.step()
