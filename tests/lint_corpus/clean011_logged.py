# expect: clean
import math

import torch

skipped = 0
for x, y in loader:
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    if math.isfinite(grad_norm):
        optimizer.step()
    else:
        skipped += 1
        print(f"skipped step, grad norm {grad_norm}")
