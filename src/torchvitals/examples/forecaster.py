"""A small time-series forecaster trained on synthetic market-like data: plain PyTorch, no
torchvitals import. `torchvitals demo` runs it with `torchvitals run`; `--bug NAME` switches on
one of the field reports' failures.

    python -m torchvitals.examples.forecaster --bug norm-stack --epochs 3
"""

import argparse
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

BUGS = {
    "norm-stack": "a stack of normalisations with eps in the wrong units kills the encoder gradient",
    "unused-pool": "softmax over a size-1 dimension gives attn_pool an exactly-zero gradient",
    "no-grad-encoder": "the encoder runs under torch.no_grad() inside forward()",
    "step-gate": "optimizer.step() only when backbone and head gradients are both > 0,\n"
    "  with a head branch (head_h2) that gets no gradient",
    "collapsing-head": "the prediction head collapses to a constant (a ReLU head, dead from the start)",
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
        if bug == "collapsing-head":
            self.head = nn.Sequential(nn.Linear(d_model, d_model), nn.GELU(), nn.Linear(d_model, 1), nn.ReLU())
            with torch.no_grad():
                self.head[2].bias.fill_(-10.0)  # every output below zero: the ReLU passes nothing
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


def grad_norm(params: list[nn.Parameter]) -> float:
    norms = [p.grad.norm() for p in params if p.grad is not None]
    return float(torch.stack(norms).norm()) if norms else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bug", choices=sorted(BUGS), default=None, help="which failure to switch on")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--quiet", action="store_true", help="print nothing of its own")
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(min(2, torch.get_num_threads()))
    x, y = market_data()
    split = int(0.8 * len(x))
    train_loader = DataLoader(TensorDataset(x[:split], y[:split]), batch_size=args.batch, shuffle=True)
    val_x, val_y = x[split:], y[split:]
    model = Forecaster(bug=args.bug)
    params = model.head.parameters() if args.bug == "partial-optimizer" else model.parameters()
    optimizer = torch.optim.AdamW(params, lr=1e-3)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=args.epochs * len(train_loader))
    backbone = [p for n, p in model.named_parameters() if not n.startswith("head")]
    gated_head = list(model.head_h2.parameters()) if args.bug == "step-gate" else []
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in train_loader:
            optimizer.zero_grad()
            loss = F.mse_loss(model(xb), yb)
            loss.backward()
            if args.bug == "step-gate":
                g_back, g_head = grad_norm(backbone), grad_norm(gated_head)
                if math.isfinite(g_back) and math.isfinite(g_head) and g_back > 0 and g_head > 0:
                    optimizer.step()
                    scheduler.step()
            else:
                optimizer.step()
                scheduler.step()
        model.eval()
        with torch.no_grad():
            val_loss = F.mse_loss(model(val_x), val_y).item()
        if not args.quiet:
            print(f"epoch {epoch + 1}: train loss {loss.item():.4f}, val loss {val_loss:.4f}")


if __name__ == "__main__":
    main()
