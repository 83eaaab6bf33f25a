"""How much does torchvitals slow a training step? Plain vs. monitored, side by side, on CPU.

    python benchmarks/overhead.py                  # transformer, 5 repeats x 200 steps
    python benchmarks/overhead.py --model all      # transformer and MLP
    python benchmarks/overhead.py --quick          # a smoke run for CI
    python benchmarks/overhead.py --json out.json  # also write the numbers

Three configurations run in ONE process, interleaved in rotating order so that drift of the
machine (thermal, other load) hits all of them alike:
  plain       no monitor
  default     torchvitals.watch(...) with its default sampling (every=50)
  every-step  torchvitals.watch(..., every=1): every iteration sampled
Each run builds a fresh model and optimizer from the same seed, trains `warmup` steps untimed,
then times `steps` steps. A run's figure is its mean step time (sampled iterations included,
so the sampling cost is amortised as in a real run); a config's figure is the median of its
runs. This is a benchmark, not a test: it always exits 0.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

import torchvitals

CONFIGS = ["plain", "default", "every-step"]
TARGETS = {"default": 1.03, "every-step": 1.10}  # max ratio to plain
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


# -----------------------------------------------------------------------------
# one timed run


def run_once(model_name: str, config: str, steps: int, warmup: int) -> float:
    """Train `warmup` + `steps` steps under `config`; return the mean seconds per timed step."""
    model, optimizer, data, loss_fn = build(model_name)
    model.train()
    monitor = None
    if config == "default":
        monitor = torchvitals.watch(model, optimizer, out="", console=False)
    elif config == "every-step":
        monitor = torchvitals.watch(model, optimizer, out="", console=False, every=1)
    gc.collect()
    try:
        t0 = 0.0
        for it in range(warmup + steps):
            if it == warmup:
                t0 = time.perf_counter()
            x, y = data[it % len(data)]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        elapsed = time.perf_counter() - t0
    finally:
        if monitor is not None:
            monitor.close()
    return elapsed / steps


def bench_model(model_name: str, steps: int, repeats: int, warmup: int) -> dict[str, Any]:
    """Interleave the configs in rotating order; return per-run times, medians and ratios."""
    for config in CONFIGS:  # one untimed pass each: lazy initialisation, first-touch memory
        run_once(model_name, config, 1, warmup)
    runs: dict[str, list[float]] = {c: [] for c in CONFIGS}
    for r in range(repeats):
        order = CONFIGS[r % len(CONFIGS) :] + CONFIGS[: r % len(CONFIGS)]
        for config in order:
            runs[config].append(run_once(model_name, config, steps, warmup))
        done = "  ".join(f"{c}={runs[c][-1] * 1e3:.2f}ms" for c in CONFIGS)
        print(f"  [{model_name}] repeat {r + 1}/{repeats}: {done}", flush=True)
    median = {c: statistics.median(runs[c]) for c in CONFIGS}
    ratio = {c: median[c] / median["plain"] for c in CONFIGS}
    return {"runs_s": runs, "median_s": median, "ratio": ratio}


# -----------------------------------------------------------------------------
# reporting


def machine_info(threads: int) -> dict[str, Any]:
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvitals": torchvitals.__version__,
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
    }


def print_table(model_name: str, res: dict[str, Any]) -> None:
    runs, median, ratio = res["runs_s"], res["median_s"], res["ratio"]
    print(f"\n{model_name}")
    print(f"  {'config':<12} {'ms/step':>9} {'min-max ms':>15} {'ratio':>7} {'target':>8}  result")
    for c in CONFIGS:
        spread = f"{min(runs[c]) * 1e3:.2f}-{max(runs[c]) * 1e3:.2f}"
        target = f"<={TARGETS[c]:.2f}x" if c in TARGETS else ""
        mark = ("PASS" if ratio[c] <= TARGETS[c] else "MISS") if c in TARGETS else ""
        print(
            f"  {c:<12} {median[c] * 1e3:>9.2f} {spread:>15} {ratio[c]:>6.3f}x {target:>8}  {mark}"
        )
    worst = max(max(runs[c]) / min(runs[c]) for c in CONFIGS)
    if worst > 1.10:
        print(f"  note: runs of one config differ by up to {worst:.2f}x: a noisy machine, rerun")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--steps", type=int, default=200, help="timed steps per run (default 200)")
    ap.add_argument("--repeats", type=int, default=5, help="runs per config (default 5)")
    ap.add_argument("--warmup", type=int, default=20, help="untimed steps per run (default 20)")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    ap.add_argument("--model", choices=["transformer", "mlp", "all"], default="transformer")
    ap.add_argument("--quick", action="store_true", help="smoke run: 30 steps, 2 repeats")
    ap.add_argument("--json", metavar="PATH", help="also write the results as JSON here")
    args = ap.parse_args()
    if args.quick:
        args.steps, args.repeats, args.warmup = 30, 2, 5

    torch.set_num_threads(args.threads)
    info = machine_info(args.threads)
    print("torchvitals overhead benchmark")
    for k, v in info.items():
        print(f"  {k:<12} {v}")
    print(f"  {'runs':<12} {args.repeats} x {args.steps} timed steps (+{args.warmup} warm-up)")
    if args.quick:
        print("  (--quick: too short to judge overhead; a smoke run only)")

    models = ["transformer", "mlp"] if args.model == "all" else [args.model]
    results = {}
    for m in models:
        results[m] = bench_model(m, args.steps, args.repeats, args.warmup)
    for m in models:
        print_table(m, results[m])
    print("\nms/step: median over runs of each run's mean step time; ratio: to plain.")

    if args.json:
        out = {
            "machine": info,
            "settings": {k: getattr(args, k) for k in ("steps", "repeats", "warmup", "quick")},
            "targets": TARGETS,
            "results": results,
        }
        with open(args.json, "w") as f:
            json.dump(out, f, indent=2)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
