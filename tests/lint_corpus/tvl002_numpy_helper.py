# expect: TVL002
import numpy as np
import torch
import torch.nn as nn


def psnr_loss(recon, clean, peak=1.0):
    mse = np.mean((recon.detach().cpu().numpy() - clean.cpu().numpy()) ** 2)
    return torch.tensor(-10.0 * np.log10(peak**2 / (mse + 1e-12)), requires_grad=True)


denoiser = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 1, 3, padding=1))
optim = torch.optim.Adam(denoiser.parameters(), lr=1e-3)
for it in range(300):
    clean = torch.rand(4, 1, 64, 64)
    noisy = clean + 0.1 * torch.randn_like(clean)
    loss = psnr_loss(denoiser(noisy), clean)
    optim.zero_grad()
    loss.backward()
    optim.step()
