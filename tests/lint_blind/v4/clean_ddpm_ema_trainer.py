# expect: clean
# style: DDPM trainer with an EMA copy of the denoiser (denoising-diffusion-pytorch Trainer-like), torch.amp
# note: EMA weights are updated under no_grad and never optimized; scaler: scale->backward->unscale_->clip->step->update; the model is called as self.model(...), not .forward()
import argparse
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Denoiser(nn.Module):
    def __init__(self, ch=64, T=1000):
        super().__init__()
        self.t_emb = nn.Embedding(T, ch)
        self.inp = nn.Conv2d(3, ch, 3, padding=1)
        self.mid = nn.Sequential(nn.GroupNorm(8, ch), nn.SiLU(), nn.Conv2d(ch, ch, 3, padding=1))
        self.out = nn.Conv2d(ch, 3, 3, padding=1)

    def forward(self, x, t):
        h = self.inp(x) + self.t_emb(t)[:, :, None, None]
        return self.out(self.mid(h))


class Trainer:
    def __init__(self, model, args, T=1000):
        self.model, self.args, self.T = model, args, T
        self.ema = copy.deepcopy(model).requires_grad_(False)
        self.opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.scaler = torch.amp.GradScaler(self.device, enabled=self.device == "cuda")
        betas = torch.linspace(1e-4, 0.02, T)
        self.alphas_bar = torch.cumprod(1 - betas, 0)

    @torch.no_grad()
    def update_ema(self, decay=0.995):
        for pe, pm in zip(self.ema.parameters(), self.model.parameters()):
            pe.lerp_(pm, 1 - decay)

    def train_step(self, x0):
        t = torch.randint(0, self.T, (x0.size(0),))
        noise = torch.randn_like(x0)
        ab = self.alphas_bar[t][:, None, None, None]
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        with torch.autocast(self.device, enabled=self.device == "cuda"):
            loss = F.mse_loss(self.model(xt, t), noise)
        self.opt.zero_grad(set_to_none=True)
        self.scaler.scale(loss).backward()
        self.scaler.unscale_(self.opt)
        nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.scaler.step(self.opt)
        self.scaler.update()
        self.update_ema()
        return loss.item()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--lr", type=float, default=8e-5)
    args = ap.parse_args()
    trainer = Trainer(Denoiser(), args)
    trainer.model.train()
    for step in range(args.steps):
        loss = trainer.train_step(torch.rand(16, 3, 32, 32) * 2 - 1)
        if step % 250 == 0:
            print(f"step {step} loss {loss:.4f}")
