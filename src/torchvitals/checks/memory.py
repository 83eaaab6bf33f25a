"""Memory of a full training step against batch size: seed 003's hand-made B=64/128/180 table,
produced by a call. Each size trains a fresh copy, so optimizer state is counted."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import (
    LossFn,
    device_of,
    preserved,
    rebuild_optimizer,
    resolve_loss,
    split,
    training_copy,
)
from torchvitals.checks.step_snapshot import rss_bytes, tensor_bytes, to_device, train_step
from torchvitals.sinks.progress import on_terminal, steps_bar

DEFAULT_SIZES = (8, 16, 32, 64)
CPU_SOURCE = (
    "cpu estimate: parameters + gradients + optimizer state + activations saved for backward + "
    "batch, in tensor bytes (the CPU allocator keeps no peak counter; process RSS growth is "
    "reported alongside as rss_growth_bytes)"
)


def memory_profile(
    model: nn.Module,
    make_batch: Callable[[int], Any],
    sizes: Sequence[int] = DEFAULT_SIZES,
    loss_fn: LossFn | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    budget_bytes: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Peak memory of one full training step (forward, backward, optimizer step on a fresh copy)
    for each batch size `make_batch(size)` builds, and the largest size whose peak stays under
    `budget_bytes`. On CUDA the peak is the allocator's max_memory_allocated above what was
    allocated before; on CPU it is a tensor-byte estimate and `source` says so. A size that runs
    out of CUDA memory ends the sweep with `oom: True`. `progress(what)` is told each size as
    its step begins; without one, a terminal (stderr) shows a progress bar."""
    bar: Any = contextlib.nullcontext()
    if progress is None and on_terminal(sys.stderr):
        bar, progress = steps_bar(len(sizes), "torchvitals memory profile")
    with bar:
        return _profile(model, make_batch, sizes, loss_fn, optimizer, budget_bytes, progress or (lambda what: None))


def _profile(
    model: nn.Module,
    make_batch: Callable[[int], Any],
    sizes: Sequence[int],
    loss_fn: LossFn | None,
    optimizer: torch.optim.Optimizer | None,
    budget_bytes: int | None,
    progress: Callable[[str], None],
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    device = device_of(model)
    cuda = device.type == "cuda"
    with preserved(model):
        for size in sorted(sizes):
            progress(f"batch size {size}")
            inputs, target = to_device(split(make_batch(size)), device)
            fn, _, _ = resolve_loss(loss_fn, target)
            gc.collect()
            if cuda:
                torch.cuda.synchronize(device)
                torch.cuda.empty_cache()
                torch.cuda.reset_peak_memory_stats(device)
                base = torch.cuda.memory_allocated(device)
            rss0 = rss_bytes()
            row: dict[str, Any] = {"batch_size": size}
            try:
                twin = training_copy(model)
                opt = rebuild_optimizer(
                    optimizer, [p for p in twin.parameters() if p.requires_grad]
                )
                step = train_step(twin, opt, inputs, target, fn)
            except torch.cuda.OutOfMemoryError:
                rows.append({**row, "oom": True, "peak_bytes": None})
                break
            if cuda:
                torch.cuda.synchronize(device)
                row["peak_bytes"] = torch.cuda.max_memory_allocated(device) - base
                row["reserved_bytes"] = torch.cuda.memory_reserved(device)
            else:
                row["peak_bytes"] = (
                    2 * sum(tensor_bytes(p) for p in twin.parameters())  # weights + grads
                    + sum(tensor_bytes(list(s.values())) for s in opt.state.values())
                    + step["saved_bytes"]
                    + tensor_bytes((inputs, target))
                )
                row["rss_growth_bytes"] = max(0, rss_bytes() - rss0)
            row["activation_bytes"] = step["saved_bytes"]
            rows.append(row)
            del twin, opt, step
    fits = [
        r["batch_size"]
        for r in rows
        if r.get("peak_bytes") is not None
        and budget_bytes is not None
        and r["peak_bytes"] <= budget_bytes
    ]
    return {
        "rows": rows,
        "budget_bytes": budget_bytes,
        "largest_under_budget": max(fits) if fits else None,
        "source": "cuda allocator peak (max_memory_allocated)" if cuda else CPU_SOURCE,
        "device": str(device),
    }
