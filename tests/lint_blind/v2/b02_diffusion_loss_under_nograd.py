# expect: TVL001
# style: DDPM-style diffusion training loop (denoising-diffusion-pytorch-like)
# bug: the whole noise-prediction forward + loss is wrapped in torch.no_grad() inside the training loop
import argparse

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm


class TinyUNet(nn.Module):
    def __init__(self, ch=3, hidden=64, T=1000):
        super().__init__()
        self.t_emb = nn.Embedding(T, hidden)
        self.down = nn.Conv2d(ch, hidden, 3, padding=1)
        self.mid = nn.Conv2d(hidden, hidden, 3, padding=1)
        self.up = nn.Conv2d(hidden, ch, 3, padding=1)

    def forward(self, x, t):
        h = F.silu(self.down(x))
        h = h + self.t_emb(t)[:, :, None, None]
        h = F.silu(self.mid(h))
        return self.up(h)


def linear_beta_schedule(T):
    return torch.linspace(1e-4, 0.02, T)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--timesteps", type=int, default=1000)
    parser.add_argument("--lr", type=float, default=2e-4)
    parser.add_argument("--train_steps", type=int, default=10000)
    args = parser.parse_args()

    device = "cuda" if torch.cuda.is_available() else "cpu"
    betas = linear_beta_schedule(args.timesteps).to(device)
    alphas_cumprod = torch.cumprod(1.0 - betas, dim=0)

    model = TinyUNet(T=args.timesteps).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    data = TensorDataset(torch.randn(1024, 3, 32, 32))
    loader = DataLoader(data, batch_size=64, shuffle=True, drop_last=True)

    step = 0
    pbar = tqdm(total=args.train_steps)
    model.train()
    while step < args.train_steps:
        for (x0,) in loader:
            x0 = x0.to(device)
            t = torch.randint(0, args.timesteps, (x0.size(0),), device=device)
            noise = torch.randn_like(x0)
            a = alphas_cumprod[t].sqrt()[:, None, None, None]
            s = (1 - alphas_cumprod[t]).sqrt()[:, None, None, None]
            with torch.no_grad():
                x_t = a * x0 + s * noise
                pred = model(x_t, t)
                loss = F.mse_loss(pred, noise)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            pbar.update(1)
            pbar.set_postfix(loss=loss.item())
            if step >= args.train_steps:
                break


if __name__ == "__main__":
    main()
