# expect: clean
import numpy as np
import torch
import torch.nn as nn


def psnr_loss(recon, clean, peak=1.0):
    mse = ((recon - clean) ** 2).mean()
    return -10.0 * torch.log10(peak**2 / (mse + 1e-12))


def psnr_report(recon, clean):
    return float(np.mean(recon.detach().cpu().numpy()))


denoiser = nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 1, 3, padding=1))
optim = torch.optim.Adam(denoiser.parameters(), lr=1e-3)
for it in range(300):
    clean = torch.rand(4, 1, 64, 64)
    noisy = clean + 0.1 * torch.randn_like(clean)
    out = denoiser(noisy)
    loss = psnr_loss(out, clean)
    optim.zero_grad()
    loss.backward()
    optim.step()
    if it % 50 == 0:
        print(it, psnr_report(out, clean))
