# expect: TVL012
import torch
import torch.nn as nn
import torch.nn.functional as F


def fit(unet, batches, n_epochs=3):
    opt = torch.optim.AdamW(unet.parameters(), lr=2e-4)
    for epoch in range(n_epochs):
        total = 0.0
        for x0 in batches:
            t = torch.rand(x0.shape[0], 1)
            noise = torch.randn_like(x0)
            xt = (1 - t).sqrt() * x0 + t.sqrt() * noise
            diff_loss = F.mse_loss(unet(xt), noise)
            opt.zero_grad(set_to_none=True)
            diff_loss.backward()
            opt.step()
            total = total + diff_loss
        print(f"epoch {epoch}: {float(total) / len(batches):.4f}")


fit(nn.Sequential(nn.Linear(16, 64), nn.SiLU(), nn.Linear(64, 16)), [torch.randn(32, 16) for _ in range(10)])
