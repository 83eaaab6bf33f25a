"""The bundled demo: a small time-series forecaster in the spirit of seeds 000/001, trained on
synthetic market-like data, with one of the seeds' bugs switched on.

    torchvitals demo                      # the default bug
    torchvitals demo --bug unused-pool    # another one
    torchvitals demo --fixed              # a healthy run
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals
from torchvitals.findings import Diagnosis

BUGS = {
    "norm-stack": "seed 000: a stack of normalisations with eps in the wrong units kills the encoder gradient",
    "unused-pool": "seed 001: softmax over a size-1 dimension gives attn_pool an exactly-zero gradient",
    "no-grad-encoder": "seed 002: the encoder runs under torch.no_grad() inside forward()",
    "step-gate": "seed 004: optimizer.step() only when backbone and head gradients are both > 0,\n"
    "  with a head branch (head_h2) that gets no gradient",
    "partial-optimizer": "the optimizer is built from the head only",
}
DEFAULT_BUG = "norm-stack"


def market_data(n: int = 2048, look_back: int = 32, n_feat: int = 6, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Random-walk prices with volume and a few technical features; target: next return."""
    g = torch.Generator().manual_seed(seed)
    steps = n + look_back + 64
    ret = 0.01 * torch.randn(steps, generator=g)
    ret[1:] += 0.3 * ret[:-1].clone()  # a little momentum, so there is something to learn
    price = 100 * torch.exp(torch.cumsum(ret, 0))
    volume = torch.exp(0.5 * torch.randn(steps, generator=g)) * (1 + 20 * ret.abs())
    ema = price.clone()
    for t in range(1, steps):
        ema[t] = 0.9 * ema[t - 1] + 0.1 * price[t]
    roll = torch.stack([ret[max(0, t - 10) : t + 1].std() if t > 1 else ret[0].abs() for t in range(steps)])
    feats = torch.stack(
        [ret / 0.01, torch.log(volume), (price / ema - 1) / 0.01, roll / 0.01, torch.sin(torch.arange(steps) / 7.0), torch.cos(torch.arange(steps) / 7.0)],
        dim=1,
    )[:, :n_feat]
    xs = torch.stack([feats[t : t + look_back] for t in range(n)])
    ys = ret[look_back : look_back + n] / 0.01
    return xs.float(), ys.float().unsqueeze(1)


class BadNorm(nn.Module):
    """Normalisation with eps given in variance units where std units were meant: ÷100 per layer."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - x.mean(-1, keepdim=True)) / torch.sqrt(x.var(-1, keepdim=True) + 1e4)


class Forecaster(nn.Module):
    def __init__(self, n_feat: int = 6, d_model: int = 32, bug: str | None = None) -> None:
        super().__init__()
        self.bug = bug
        self.feature_proj = nn.Linear(n_feat, d_model)
        if bug == "norm-stack":
            self.norm = nn.Sequential(*[BadNorm() for _ in range(5)])
        else:
            self.norm = nn.LayerNorm(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1, enable_nested_tensor=False)
        self.attn_pool = nn.Linear(d_model, 1)
        self.head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, 1))
        if bug == "step-gate":
            # A second-horizon head (seed 004's "K-specific layers"), used only for horizon 2.
            self.head_h2 = nn.Linear(d_model, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.feature_proj(x))
        if self.bug == "no-grad-encoder":
            with torch.no_grad():
                h = self.encoder(h)
        else:
            h = self.encoder(h)
        if self.bug == "unused-pool":
            w = torch.softmax(self.attn_pool(h).mean(1, keepdim=True), dim=-1)  # size-1 softmax: w ≡ 1
            pooled = w[:, 0] * h[:, -1]
        else:
            w = torch.softmax(self.attn_pool(h), dim=1)  # attention over time
            pooled = (w * h).sum(1)
        return self.head(pooled)


def _grad_norm(params: list[nn.Parameter]) -> float:
    norms = [p.grad.norm() for p in params if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def run(bug: str | None = DEFAULT_BUG, epochs: int = 3, batch: int = 64, out: str = "torchvitals-runs", quiet: bool = False) -> Diagnosis:
    """Train the forecaster with `bug` (None: healthy) under torchvitals; return the diagnosis."""
    if bug is not None and bug not in BUGS:
        raise ValueError(f"unknown bug {bug!r}; choose from {sorted(BUGS)}")
    torch.manual_seed(0)
    x, y = market_data()
    split = int(0.8 * len(x))
    model = Forecaster(bug=bug)
    params = model.head.parameters() if bug == "partial-optimizer" else model.parameters()
    opt = torch.optim.AdamW(params, lr=1e-3)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs * math.ceil(split / batch))
    name = f"demo-{bug or 'fixed'}"
    probe = ["feature_proj", "norm", "norm.*", "encoder", "head"]
    mon = torchvitals.watch(
        model, opt, scheduler=sched, out=out, name=name, probe=probe, console=not quiet, every=20, log_every=40,
        baseline=lambda inputs: inputs[:, -1, 0],  # persistence: tomorrow's return = today's
    )
    backbone = [p for n, p in model.named_parameters() if not n.startswith("head")]
    gated_head = list(model.head_h2.parameters()) if bug == "step-gate" else []
    for _epoch in range(epochs):
        model.train()
        perm = torch.randperm(split)
        for i in range(0, split, batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            pred = model(x[idx])
            loss = F.mse_loss(pred, y[idx])
            loss.backward()
            mon.observe(pred, y[idx], loss, inputs=x[idx])
            if bug == "step-gate":
                g_back, g_head = _grad_norm(backbone), _grad_norm(gated_head)
                if math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0:
                    opt.step()
                    sched.step()
            else:
                opt.step()
                sched.step()
        model.eval()
        with torch.no_grad():
            pred = model(x[split:])
            mon.observe(pred, y[split:], F.mse_loss(pred, y[split:]), inputs=x[split:])
        mon.epoch_end()
    return mon.close()
