# expect: clean
# Twin of tvl011_param_grads_finite: the skip is counted.
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
skipped = 0
for step in range(100):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    if not all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None):
        skipped += 1
        continue
    optimizer.step()
