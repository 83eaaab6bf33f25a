"""The benchmark models, their data and a plain training loop: no torchvitals import, so a
script built on them is what a user's unmodified script would be.

    mlp              a 4-layer GELU regressor, ~0.8M parameters
    cnn              a small conv net on 32x32 RGB images, 10 classes, ~0.6M parameters
    transformer      a small transformer LM, ~2.9M parameters
    transformer-25m  a larger transformer LM, ~25.5M parameters
    gpt2             a GPT-2-small-sized decoder (124M parameters), bf16 autocast (benchmarks/gpu.py)
    resnet           a ResNet-18-style CNN on 64x64 images, 100 classes (benchmarks/gpu.py)
    gpt2-tiny, resnet-tiny   the same code at toy sizes (gpu.py --small)

Sizes of batches and sequences are chosen so that one step takes tens of milliseconds (the
small ones) to ~0.2 s (transformer-25m) on 2 CPU cores: long enough to time, short enough
for the overhead benchmark to run every configuration several times.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

SEED = 1337
N_BATCHES = 8  # a small pool of synthetic batches, cycled through
MODELS = ["mlp", "cnn", "transformer", "transformer-25m"]
GPU_MODELS = ["gpt2", "resnet"]

Batch = tuple[torch.Tensor, torch.Tensor]
StepCallback = Callable[[int, torch.Tensor], None]

# -----------------------------------------------------------------------------
# models


class TinyLM(nn.Module):
    """A transformer encoder over tokens, predicting the next token."""

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


class Block(nn.Module):
    """A pre-norm decoder block: causal self-attention (SDPA) and a 4x GELU MLP."""

    def __init__(self, d: int, n_head: int) -> None:
        super().__init__()
        self.n_head = n_head
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.qkv, self.proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.fc, self.out = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.view(b, t, self.n_head, d // self.n_head).transpose(1, 2) for z in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    """A GPT-2-style decoder with a tied head; bf16 autocast inside forward when asked."""

    def __init__(self, vocab: int, seq_len: int, d: int, n_layer: int, n_head: int, bf16: bool) -> None:
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(seq_len, d)
        self.blocks = nn.ModuleList(Block(d, n_head) for _ in range(n_layer))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)
        self.head.weight = self.tok.weight
        self.bf16 = bf16
        for m in self.modules():  # GPT-2's initialisation: N(0, 0.02), zero biases
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        with torch.autocast(idx.device.type, dtype=torch.bfloat16, enabled=self.bf16):
            x = self.tok(idx) + self.pos(torch.arange(idx.shape[1], device=idx.device))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln(x)).float()


class BasicBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.c1 = nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(c_out)
        self.c2 = nn.Conv2d(c_out, c_out, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(c_out)
        self.short = nn.Sequential()
        if stride != 1 or c_in != c_out:
            self.short = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.short(x))


def resnet(widths: tuple[int, ...], n_classes: int) -> nn.Sequential:
    """A ResNet-18-style network: a stem, two basic blocks per stage, a linear classifier."""
    layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    c = widths[0]
    for i, w in enumerate(widths):
        layers += [BasicBlock(c, w, 1 if i == 0 else 2), BasicBlock(w, w, 1)]
        c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c, n_classes))


def small_cnn(n_classes: int = 10) -> nn.Sequential:
    """Two conv blocks and a classifier head, CIFAR-sized (3x32x32 in). Built only from layers
    BackPACK knows, so Cockpit can be measured on it too."""
    return nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 8 * 8, 128), nn.ReLU(),
        nn.Linear(128, n_classes),
    )


def _lm_data(vocab: int, seq_len: int, batch: int) -> list[Batch]:
    data = []
    for _ in range(N_BATCHES):
        idx = torch.randint(0, vocab, (batch, seq_len + 1))
        data.append((idx[:, :-1], idx[:, 1:]))
    return data


def lm_loss(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))


def build(name: str, device: str = "cpu") -> tuple[nn.Module, torch.optim.Optimizer, list[Batch], Callable[..., Any]]:
    """Model, AdamW, a pool of synthetic batches and the loss function, all from SEED."""
    torch.manual_seed(SEED)
    loss_fn: Callable[..., Any]
    if name == "mlp":
        d_in, batch = 64, 256
        model: nn.Module = MLP(d_in, d_hidden=512, n_layer=4)
        w = torch.randn(d_in)
        data = []
        for _ in range(N_BATCHES):
            x = torch.randn(batch, d_in)
            data.append((x, torch.tanh(x @ w) + 0.1 * torch.randn(batch)))
        loss_fn = F.mse_loss
    elif name == "cnn":
        batch = 32
        model = small_cnn()
        # Labels from a fixed random projection of the image: learnable, so training is real.
        w = torch.randn(3 * 32 * 32, 10)
        data = []
        for _ in range(N_BATCHES):
            x = torch.randn(batch, 3, 32, 32)
            data.append((x, (x.flatten(1) @ w).argmax(1)))
        loss_fn = F.cross_entropy
    elif name == "transformer":
        # d_model 256, 3 layers, vocabulary 1024: ~2.9M parameters; 8 x 32 tokens per batch.
        vocab, seq_len = 1024, 32
        model = TinyLM(vocab, seq_len, d_model=256, n_layer=3, n_head=4)
        data = _lm_data(vocab, seq_len, batch=8)
        loss_fn = lm_loss
    elif name == "transformer-25m":
        # d_model 512, 8 layers, a byte vocabulary: ~25.5M parameters. Few tokens per batch
        # (2 x 32) keep a CPU step near 0.2 s; per-parameter work (the optimizer, any monitor)
        # therefore weighs more here than in a large-batch run: the harder case for a monitor.
        vocab, seq_len = 256, 32
        model = TinyLM(vocab, seq_len, d_model=512, n_layer=8, n_head=8)
        data = _lm_data(vocab, seq_len, batch=2)
        loss_fn = lm_loss
    elif name in ("gpt2", "gpt2-tiny"):
        # GPT-2 small: d 768, 12 layers, 12 heads, vocabulary 50304, 8 x 1024 tokens (124M).
        vocab, seq_len, d, n_layer, n_head, batch = (
            (50304, 1024, 768, 12, 12, 8) if name == "gpt2" else (512, 32, 64, 2, 4, 4)
        )
        model = GPT(vocab, seq_len, d, n_layer, n_head, bf16=device != "cpu" or name == "gpt2")
        data = _lm_data(vocab, seq_len, batch)
        loss_fn = lm_loss
    elif name in ("resnet", "resnet-tiny"):
        widths, size, batch = ((64, 128, 256, 512), 64, 128) if name == "resnet" else ((8, 16), 16, 8)
        model = resnet(widths, n_classes=100)
        w = torch.randn(3 * size * size, 100)
        data = []
        for _ in range(N_BATCHES):
            x = torch.randn(batch, 3, size, size)
            data.append((x, (x.flatten(1) @ w).argmax(1)))
        loss_fn = F.cross_entropy
    else:
        raise ValueError(f"unknown model {name!r}; one of {', '.join(MODELS + GPU_MODELS)}")
    model.to(device)
    data = [(x.to(device), y.to(device)) for x, y in data]
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    return model, optimizer, data, loss_fn


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


# Called with "start" when the timed steps begin and "stop" when they end (outside the GPU
# waits around them): the overhead benchmark counts host synchronisations in between.
timing_hook: Callable[[str], None] | None = None


def _sync(model: nn.Module) -> None:
    """Wait for queued GPU work, so a timer reads the time the work took, not its launch."""
    p = next(model.parameters())
    if p.is_cuda:
        torch.cuda.synchronize(p.device)


def timer_started(model: nn.Module) -> float:
    """Start timing (after queued GPU work is done); returns the start time."""
    _sync(model)
    if timing_hook is not None:
        timing_hook("start")
    return time.perf_counter()


def timer_stopped(model: nn.Module) -> float:
    """Stop timing (once queued GPU work is done); returns the stop time."""
    if timing_hook is not None:
        timing_hook("stop")
    _sync(model)
    return time.perf_counter()


def train(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data: list[Batch],
    loss_fn: Callable[..., Any],
    steps: int,
    warmup: int,
    after_step: StepCallback | None = None,
) -> float:
    """Train `warmup` + `steps` steps; return the mean seconds per timed step.

    `after_step(iteration, loss)` runs after each optimizer step (a logging call, say)."""
    model.train()
    t0 = 0.0
    for it in range(warmup + steps):
        if it == warmup:
            t0 = timer_started(model)
        x, y = data[it % len(data)]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        if after_step is not None:
            after_step(it, loss)
    return (timer_stopped(model) - t0) / steps
