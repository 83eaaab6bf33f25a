# expect: clean
"""Gradient accumulation: backward() in the inner micro-step loop, step()/zero_grad() outside it."""
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 10))
optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
grad_accum_steps = 4
micro_batch = 8


def get_batch():
    return torch.randn(micro_batch, 32), torch.randint(0, 10, (micro_batch,))


for step in range(100):
    for micro_step in range(grad_accum_steps):
        x, y = get_batch()
        loss = F.cross_entropy(model(x), y) / grad_accum_steps
        loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
