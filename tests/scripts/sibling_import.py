"""Behaviour: imports a helper module that sits next to it (needs sys.path[0] = this folder)."""

import torch
import torch.nn.functional as F
from sibling_helper import MARKER, make_data, make_model

torch.set_num_threads(1)
torch.manual_seed(0)
print(MARKER, flush=True)

x, y = make_data()
model = make_model()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for _ in range(60):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
print(f"done: loss={loss.item():.4f}", flush=True)
