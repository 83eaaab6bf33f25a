# zoo: healthy
"""Healthy: a siamese encoder trained contrastively (InfoNCE / SimCLR-style) on two noisy,
randomly masked views of the same synthetic sample: L2-normalised embeddings, a cosine
similarity matrix divided by a temperature, and cross-entropy against the matching index in
both directions; AdamW with a cosine schedule."""

import torch
import torch.nn.functional as F
from torch import nn

torch.set_num_threads(1)
torch.manual_seed(0)

g = torch.Generator().manual_seed(0)
latent = torch.randn(4096, 8, generator=g)
mixing = torch.randn(8, 32, generator=g)
data = torch.tanh(latent @ mixing)


def view(x: torch.Tensor) -> torch.Tensor:
    keep = (torch.rand(x.shape, generator=g) > 0.2).float()
    return x * keep + 0.1 * torch.randn(x.shape, generator=g)


encoder = nn.Sequential(nn.Linear(32, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Linear(128, 64))
projector = nn.Sequential(nn.ReLU(), nn.Linear(64, 32))
params = list(encoder.parameters()) + list(projector.parameters())
optimizer = torch.optim.AdamW(params, lr=2e-3, weight_decay=1e-4)
scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=250)
temperature = 0.2
for step in range(250):
    batch = data[torch.randint(0, len(data), (128,), generator=g)]
    z1 = F.normalize(projector(encoder(view(batch))), dim=-1)
    z2 = F.normalize(projector(encoder(view(batch))), dim=-1)
    sim = z1 @ z2.t() / temperature  # (B, B): the diagonal holds the positive pairs
    labels = torch.arange(len(batch))
    loss = 0.5 * (F.cross_entropy(sim, labels) + F.cross_entropy(sim.t(), labels))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step % 50 == 0:
        acc = (sim.argmax(1) == labels).float().mean().item()
        print(f"step {step}: loss {loss.item():.3f}, top-1 match {acc:.2f}")
print(f"final loss {loss.item():.3f}")
