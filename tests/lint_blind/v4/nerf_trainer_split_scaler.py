# expect: TVL016
# style: NeRF training script (tiny-cuda-nn-free MLP NeRF, Trainer with backward()/optimizer_step() methods, torch.amp)
# bug: Trainer.optimizer_step() calls self.scaler.step(self.opt) but nowhere (neither there nor in backward()/train_iter()) is self.scaler.update() called
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F


def positional_encoding(x, n_freqs):
    out = [x]
    for i in range(n_freqs):
        out += [torch.sin((2.0 ** i) * x), torch.cos((2.0 ** i) * x)]
    return torch.cat(out, dim=-1)


class NeRFMLP(nn.Module):
    def __init__(self, n_freqs=10, width=256):
        super().__init__()
        self.n_freqs = n_freqs
        d_in = 3 * (1 + 2 * n_freqs)
        self.trunk = nn.Sequential(nn.Linear(d_in, width), nn.ReLU(), nn.Linear(width, width), nn.ReLU())
        self.sigma = nn.Linear(width, 1)
        self.rgb = nn.Sequential(nn.Linear(width, width // 2), nn.ReLU(), nn.Linear(width // 2, 3))

    def forward(self, pts):
        h = self.trunk(positional_encoding(pts, self.n_freqs))
        return F.relu(self.sigma(h)).squeeze(-1), torch.sigmoid(self.rgb(h))


def render_rays(model, rays_o, rays_d, n_samples=64, near=2.0, far=6.0):
    t = torch.linspace(near, far, n_samples, device=rays_o.device)
    pts = rays_o[:, None] + rays_d[:, None] * t[None, :, None]
    sigma, rgb = model(pts)
    alpha = 1 - torch.exp(-sigma * (far - near) / n_samples)
    trans = torch.cumprod(torch.cat([torch.ones_like(alpha[:, :1]), 1 - alpha[:, :-1] + 1e-10], -1), -1)
    return ((alpha * trans)[..., None] * rgb).sum(1)


class Trainer:
    def __init__(self, model, lr, device):
        self.model, self.device = model.to(device), device
        self.opt = torch.optim.Adam(model.parameters(), lr=lr, betas=(0.9, 0.999))
        self.scaler = torch.amp.GradScaler(device, enabled=device == "cuda")

    def backward(self, loss):
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()

    def optimizer_step(self):
        self.scaler.step(self.opt)

    def train_iter(self, rays_o, rays_d, target_rgb):
        with torch.autocast(self.device, enabled=self.device == "cuda"):
            loss = F.mse_loss(render_rays(self.model, rays_o, rays_d), target_rgb)
        self.backward(loss)
        self.optimizer_step()
        return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--N_rand", type=int, default=1024)
    args = ap.parse_args()
    dev = "cuda" if torch.cuda.is_available() else "cpu"
    trainer = Trainer(NeRFMLP(), 5e-4, dev)
    trainer.model.train()
    for i in range(args.iters):
        o = torch.zeros(args.N_rand, 3, device=dev)
        d = F.normalize(torch.randn(args.N_rand, 3, device=dev), dim=-1)
        loss = trainer.train_iter(o, d, torch.rand(args.N_rand, 3, device=dev))
        if i % 1000 == 0:
            print(f"[TRAIN] Iter: {i} Loss: {loss:.5f} PSNR: {-10 * torch.log10(torch.tensor(loss)).item():.2f}")
