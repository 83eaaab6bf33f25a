# expect: TVL011
# The loop checks every parameter's gradient for NaN/inf and skips the update when one is
# not finite, counting nothing: a run that skips most of its steps looks merely slow.
import torch
import torch.nn as nn

model = nn.Linear(4, 1)
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
for step in range(100):
    loss = model(torch.randn(8, 4)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    if not all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None):
        continue
    optimizer.step()
