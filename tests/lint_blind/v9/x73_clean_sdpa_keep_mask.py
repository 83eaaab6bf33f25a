# expect: clean
# style: hand-written transformer for clinical time-series (irregular sampling) with SDPA and a mask helper
# note: the padding mask is built in one function and passed as attn_mask to scaled_dot_product_attention in another; it is constructed as ~pad (True = may attend), which is the SDPA convention.
import os
import random
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset


def seed_everything(seed: int = 42) -> None:
    """Best-effort reproducibility (cudnn autotuning left on for speed)."""
    random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def build_attn_mask(observed):
    """observed: (B, T) bool, True where a measurement exists. Returns (B, 1, T, T) SDPA mask (True = attend)."""
    pad = ~observed
    keep = ~pad
    mask = keep[:, None, None, :].expand(-1, 1, observed.size(1), -1).clone()
    mask[..., 0] = True  # always allow attending to the first (CLS) slot so no row is fully masked
    return mask


class MHSA(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.qkv = nn.Linear(d, 3 * d)
        self.o = nn.Linear(d, d)

    def forward(self, x, attn_mask):
        B, T, D = x.shape
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q, k, v = (t.view(B, T, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.o(y.transpose(1, 2).reshape(B, T, D))


class ICUTransformer(nn.Module):
    def __init__(self, n_vars=17, d=64, h=4, L=2):
        super().__init__()
        self.inp = nn.Linear(2 * n_vars + 1, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.layers = nn.ModuleList([MHSA(d, h) for _ in range(L)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(L)])
        self.out = nn.Linear(d, 1)

    def forward(self, values, var_mask, times, observed):
        x = self.inp(torch.cat([values, var_mask, times.unsqueeze(-1)], -1))
        x = torch.cat([self.cls.expand(x.size(0), -1, -1), x], 1)
        observed = torch.cat([torch.ones_like(observed[:, :1]), observed], 1)
        mask = build_attn_mask(observed)
        for attn, norm in zip(self.layers, self.norms):
            x = x + attn(norm(x), mask)
        return self.out(x[:, 0]).squeeze(-1)


def synthetic(n=2000, T=48, V=17):
    vals = torch.randn(n, T, V)
    vmask = (torch.rand(n, T, V) < 0.3).float()
    times = torch.sort(torch.rand(n, T) * 48, dim=1).values
    lens = torch.randint(5, T, (n,))
    observed = torch.arange(T)[None] < lens[:, None]
    y = (torch.rand(n) < 0.15).float()
    return TensorDataset(vals * vmask, vmask, times, observed, y)


if __name__ == "__main__":
    seed_everything(int(os.environ.get("SEED", 42)))
    model = ICUTransformer()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    dl = DataLoader(synthetic(), batch_size=64, shuffle=True)
    for epoch in range(8):
        model.train()
        tot = 0.0
        for vals, vmask, times, observed, y in dl:
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(model(vals, vmask, times, observed), y, pos_weight=torch.tensor(5.0))
            loss.backward()
            opt.step()
            tot += loss.item()
        print(f"epoch {epoch} loss {tot / len(dl):.4f}")
