# expect: TVL016
# style: trainer built from mixins (AMPMixin + ClipMixin) for a diffusion-style denoiser
# bug: `ClipMixin.after_backward` clips gradients, and `AMPMixin.optimizer_step` only calls scaler.unscale_ later, so clipping sees scaled gradients (the MRO runs after_backward before optimizer_step)
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


class AMPMixin:
    def setup_amp(self, enabled):
        self.scaler = torch.cuda.amp.GradScaler(enabled=enabled)
        self.amp_enabled = enabled

    def backward(self, loss):
        self.scaler.scale(loss).backward()

    def optimizer_step(self):
        self.scaler.unscale_(self.optimizer)
        self.scaler.step(self.optimizer)
        self.scaler.update()


class ClipMixin:
    max_grad_norm = 1.0

    def after_backward(self):
        self.last_gnorm = float(nn.utils.clip_grad_norm_(self.model.parameters(), self.max_grad_norm))


class Denoiser(nn.Module):
    def __init__(self, dim=2, hidden=256, t_dim=32):
        super().__init__()
        self.t_embed = nn.Sequential(nn.Linear(1, t_dim), nn.SiLU(), nn.Linear(t_dim, t_dim))
        self.net = nn.Sequential(nn.Linear(dim + t_dim, hidden), nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(),
                                 nn.Linear(hidden, dim))

    def forward(self, x, t):
        return self.net(torch.cat([x, self.t_embed(t[:, None])], -1))


class DiffusionTrainer(AMPMixin, ClipMixin):
    def __init__(self, model, loader, lr=2e-4, T=1000, device="cpu"):
        self.model, self.loader, self.device = model.to(device), loader, device
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
        betas = torch.linspace(1e-4, 0.02, T)
        self.alpha_bar = torch.cumprod(1 - betas, 0).to(device)
        self.T = T
        self.setup_amp(enabled=device == "cuda")
        self.last_gnorm = 0.0

    def loss_fn(self, x0):
        t = torch.randint(0, self.T, (x0.size(0),), device=self.device)
        ab = self.alpha_bar[t][:, None]
        noise = torch.randn_like(x0)
        xt = ab.sqrt() * x0 + (1 - ab).sqrt() * noise
        return F.mse_loss(self.model(xt, t.float() / self.T), noise)

    def train_step(self, x0):
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device_type="cuda", enabled=self.amp_enabled):
            loss = self.loss_fn(x0)
        self.backward(loss)
        self.after_backward()
        self.optimizer_step()
        return loss.item()

    def fit(self, epochs):
        for ep in range(epochs):
            self.model.train()
            losses = [self.train_step(x.to(self.device)) for (x,) in self.loader]
            print(f"epoch {ep} loss {sum(losses)/len(losses):.4f} gnorm {self.last_gnorm:.3f}")


if __name__ == "__main__":
    theta = torch.rand(20000) * 6.28
    pts = torch.stack([theta.cos(), theta.sin()], 1) * (1 + 0.05 * torch.randn(20000, 1))
    loader = DataLoader(TensorDataset(pts), batch_size=512, shuffle=True)
    DiffusionTrainer(Denoiser(), loader, device="cuda" if torch.cuda.is_available() else "cpu").fit(10)
