# expect: TVL012
# The step moves each batch's loss to the CPU before keeping it for the epoch plot; `.cpu()` is
# differentiable, so the kept copies still hold every batch's autograd graph.
import torch
from torch import nn

device = "cuda" if torch.cuda.is_available() else "cpu"
unet = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 1, 3, padding=1)).to(device)
opt = torch.optim.Adam(unet.parameters(), lr=2e-4)


def train(loader, epochs=10):
    curve = []
    for _ in range(epochs):
        for noisy, clean in loader:
            noisy, clean = noisy.to(device), clean.to(device)
            loss = nn.functional.l1_loss(unet(noisy), clean)
            opt.zero_grad()
            loss.backward()
            opt.step()
            curve.append(loss.cpu())
    return curve
