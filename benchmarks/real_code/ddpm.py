# real: source=https://github.com/cloneofsimo/minDiffusion/blob/master/superminddpm.py
# real: args=
# real: bug=train-once expect=training-in-eval-mode
# real: bug=no-zero-grad expect=grads-not-cleared
"""minDiffusion's superminddpm: DDPM whose forward returns the loss (criterion(eps, eps_model(x_t))),
a conv + BatchNorm eps-model, Adam(2e-4), a loss EMA printed, sampling under no_grad in eval() after
each epoch, state_dict saved. Changed: synthetic 16x16 images (blurred prototypes), smaller
channels, n_T=100, 4 epochs, no image files; the sample is kept in memory."""

import argparse
import os
import tempfile

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.set_num_threads(1)
parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, default=4)
parser.add_argument("--bug", default="", choices=["", "train-once", "no-zero-grad"])
args = parser.parse_args()
torch.manual_seed(0)


def ddpm_schedules(beta1: float, beta2: float, T: int) -> dict[str, torch.Tensor]:
    beta_t = (beta2 - beta1) * torch.arange(0, T + 1, dtype=torch.float32) / T + beta1
    sqrt_beta_t = torch.sqrt(beta_t)
    alpha_t = 1 - beta_t
    log_alpha_t = torch.log(alpha_t)
    alphabar_t = torch.cumsum(log_alpha_t, dim=0).exp()
    sqrtab = torch.sqrt(alphabar_t)
    oneover_sqrta = 1 / torch.sqrt(alpha_t)
    sqrtmab = torch.sqrt(1 - alphabar_t)
    mab_over_sqrtmab_inv = (1 - alpha_t) / sqrtmab
    return {"alpha_t": alpha_t, "oneover_sqrta": oneover_sqrta, "sqrt_beta_t": sqrt_beta_t,
            "alphabar_t": alphabar_t, "sqrtab": sqrtab, "sqrtmab": sqrtmab,
            "mab_over_sqrtmab": mab_over_sqrtmab_inv}


def blk(ic, oc):
    return nn.Sequential(nn.Conv2d(ic, oc, 7, padding=3), nn.BatchNorm2d(oc), nn.LeakyReLU())


class DummyEpsModel(nn.Module):
    def __init__(self, n_channel: int) -> None:
        super().__init__()
        self.conv = nn.Sequential(blk(n_channel, 16), blk(16, 32), blk(32, 16), nn.Conv2d(16, n_channel, 3, padding=1))

    def forward(self, x, t) -> torch.Tensor:
        return self.conv(x)


class DDPM(nn.Module):
    def __init__(self, eps_model: nn.Module, betas: tuple[float, float], n_T: int, criterion: nn.Module = nn.MSELoss()) -> None:  # noqa: B008 (as published)
        super().__init__()
        self.eps_model = eps_model
        for k, v in ddpm_schedules(betas[0], betas[1], n_T).items():
            self.register_buffer(k, v)
        self.n_T = n_T
        self.criterion = criterion

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _ts = torch.randint(1, self.n_T, (x.shape[0],)).to(x.device)
        eps = torch.randn_like(x)
        x_t = self.sqrtab[_ts, None, None, None] * x + self.sqrtmab[_ts, None, None, None] * eps
        return self.criterion(eps, self.eps_model(x_t, _ts / self.n_T))

    def sample(self, n_sample: int, size, device) -> torch.Tensor:
        x_i = torch.randn(n_sample, *size).to(device)
        for i in range(self.n_T, 0, -1):
            z = torch.randn(n_sample, *size).to(device) if i > 1 else 0
            eps = self.eps_model(x_i, i / self.n_T)
            x_i = self.oneover_sqrta[i] * (x_i - eps * self.mab_over_sqrtmab[i]) + self.sqrt_beta_t[i] * z
        return x_i


def images(n):
    g = torch.Generator().manual_seed(7)
    protos = (torch.rand(6, 1, 4, 4, generator=g) > 0.5).float()
    protos = F.interpolate(protos, size=(16, 16), mode="bilinear", align_corners=False)
    which = torch.randint(0, 6, (n,), generator=torch.Generator().manual_seed(1))
    return (protos[which] + 0.05 * torch.randn(n, 1, 16, 16)).clamp(0, 1)


def train_mnist(n_epoch: int, device="cpu") -> None:
    ddpm = DDPM(eps_model=DummyEpsModel(1), betas=(1e-4, 0.02), n_T=100)
    ddpm.to(device)
    x_all = images(512) - 0.5  # Normalize((0.5,), (1.0))
    dataset = TensorDataset(x_all, torch.zeros(512, dtype=torch.long))
    dataloader = DataLoader(dataset, batch_size=32, shuffle=True)
    optim = torch.optim.Adam(ddpm.parameters(), lr=2e-4)
    out = tempfile.mkdtemp()
    if args.bug == "train-once":  # train() once before the loop: the sampling's eval() stays on
        ddpm.train()
    for i in range(n_epoch):
        if args.bug != "train-once":
            ddpm.train()
        loss_ema = None
        for x, _ in dataloader:
            if args.bug != "no-zero-grad":
                optim.zero_grad()
            x = x.to(device)
            loss = ddpm(x)
            loss.backward()
            loss_ema = loss.item() if loss_ema is None else 0.9 * loss_ema + 0.1 * loss.item()
            optim.step()
        print(f"epoch {i} loss: {loss_ema:.4f}")
        ddpm.eval()
        with torch.no_grad():
            xh = ddpm.sample(4, (1, 16, 16), device)
            torch.save(ddpm.state_dict(), os.path.join(out, "ddpm_mnist.pth"))
    print("sample range", float(xh.min()), float(xh.max()))


if __name__ == "__main__":
    train_mnist(args.epochs)
