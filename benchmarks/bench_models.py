"""The benchmark models, their data and a plain training loop: no torchvitals import, so a
script built on them is what a user's unmodified script would be."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

SEED = 1337
N_BATCHES = 8  # a small pool of synthetic batches, cycled through

Batch = tuple[torch.Tensor, torch.Tensor]

# -----------------------------------------------------------------------------
# models


class TinyLM(nn.Module):
    """A small transformer encoder over tokens, predicting the next token."""

    def __init__(self, vocab: int, seq_len: int, d_model: int, n_layer: int, n_head: int) -> None:
        super().__init__()
        self.tok = nn.Embedding(vocab, d_model)
        self.pos = nn.Parameter(torch.zeros(1, seq_len, d_model))
        layer = nn.TransformerEncoderLayer(
            d_model, n_head, dim_feedforward=4 * d_model, dropout=0.1, batch_first=True
        )
        self.encoder = nn.TransformerEncoder(layer, n_layer, enable_nested_tensor=False)
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        x = self.tok(idx) + self.pos[:, : idx.shape[1]]
        x = self.encoder(x)
        return self.head(self.ln(x))


class MLP(nn.Module):
    """A plain regressor: a few Linear+GELU layers."""

    def __init__(self, d_in: int, d_hidden: int, n_layer: int) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Linear(d_in, d_hidden), nn.GELU()]
        for _ in range(n_layer - 1):
            layers += [nn.Linear(d_hidden, d_hidden), nn.GELU()]
        layers.append(nn.Linear(d_hidden, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(-1)


def build(name: str) -> tuple[nn.Module, torch.optim.Optimizer, list[Batch], Callable[..., Any]]:
    """Model, AdamW, a pool of synthetic batches and the loss function, all from SEED."""
    torch.manual_seed(SEED)
    if name == "transformer":
        vocab, seq_len, batch = 512, 64, 16
        model: nn.Module = TinyLM(vocab, seq_len, d_model=128, n_layer=2, n_head=4)
        data = []
        for _ in range(N_BATCHES):
            idx = torch.randint(0, vocab, (batch, seq_len + 1))
            data.append((idx[:, :-1], idx[:, 1:]))

        def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))

    elif name == "mlp":
        d_in, batch = 64, 256
        model = MLP(d_in, d_hidden=512, n_layer=4)
        w = torch.randn(d_in)
        data = []
        for _ in range(N_BATCHES):
            x = torch.randn(batch, d_in)
            data.append((x, torch.tanh(x @ w) + 0.1 * torch.randn(batch)))
        loss_fn = F.mse_loss
    else:
        raise ValueError(f"unknown model {name!r}")
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    return model, optimizer, data, loss_fn


def train(model: nn.Module, optimizer: torch.optim.Optimizer, data: list[Batch], loss_fn: Callable[..., Any], steps: int, warmup: int) -> float:
    """Train `warmup` + `steps` steps; return the mean seconds per timed step."""
    model.train()
    t0 = 0.0
    for it in range(warmup + steps):
        if it == warmup:
            t0 = time.perf_counter()
        x, y = data[it % len(data)]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return (time.perf_counter() - t0) / steps
