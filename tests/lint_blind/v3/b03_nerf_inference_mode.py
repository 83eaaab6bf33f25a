# expect: TVL001
# style: nerf-pytorch run_nerf.py (rays, positional encoding, tqdm loop)
# bug: the training render call is wrapped in torch.inference_mode(), so the photometric loss never reaches the NeRF MLP
import argparse
import torch
import torch.nn as nn
from tqdm import trange


def posenc(x, n_freqs=6):
    out = [x]
    for i in range(n_freqs):
        out += [torch.sin((2.0 ** i) * x), torch.cos((2.0 ** i) * x)]
    return torch.cat(out, -1)


class NeRF(nn.Module):
    def __init__(self, in_ch=39, W=128):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_ch, W), nn.ReLU(), nn.Linear(W, W), nn.ReLU(), nn.Linear(W, 4))

    def forward(self, x):
        return self.net(x)


def render_rays(model, rays_o, rays_d, n_samples=32, near=2.0, far=6.0):
    t = torch.linspace(near, far, n_samples, device=rays_o.device)
    pts = rays_o[:, None, :] + rays_d[:, None, :] * t[None, :, None]
    raw = model(posenc(pts))
    rgb = torch.sigmoid(raw[..., :3])
    sigma = torch.relu(raw[..., 3])
    delta = torch.cat([t[1:] - t[:-1], torch.tensor([1e10], device=t.device)])
    alpha = 1.0 - torch.exp(-sigma * delta)
    trans = torch.cumprod(torch.cat([torch.ones_like(alpha[:, :1]), 1.0 - alpha + 1e-10], -1), -1)[:, :-1]
    weights = alpha * trans
    return (weights[..., None] * rgb).sum(1)


def train():
    parser = argparse.ArgumentParser()
    parser.add_argument("--N_rand", type=int, default=1024)
    parser.add_argument("--N_iters", type=int, default=2000)
    parser.add_argument("--lrate", type=float, default=5e-4)
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = NeRF().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lrate, betas=(0.9, 0.999))

    all_rays_o = torch.randn(20000, 3, device=device)
    all_rays_d = nn.functional.normalize(torch.randn(20000, 3, device=device), dim=-1)
    all_rgb = torch.rand(20000, 3, device=device)

    for i in trange(args.N_iters):
        idx = torch.randint(0, all_rays_o.shape[0], (args.N_rand,), device=device)
        with torch.inference_mode():
            rgb = render_rays(model, all_rays_o[idx], all_rays_d[idx])
        img_loss = ((rgb - all_rgb[idx]) ** 2).mean()
        optimizer.zero_grad()
        img_loss.backward()
        optimizer.step()
        if i % 100 == 0:
            psnr = -10.0 * torch.log10(img_loss.detach())
            tqdm_msg = f"[TRAIN] Iter: {i} Loss: {img_loss.item():.5f} PSNR: {psnr.item():.2f}"
            print(tqdm_msg)


if __name__ == "__main__":
    train()
