"""One training step, taken apart: where its time and memory go (seed 001's MICRODETAIL line,
made general). Runs on a deep copy, so the user's model and optimizer are not changed."""

from __future__ import annotations

import os
import platform
import time
from typing import Any

import torch
from torch import nn

from torchvitals.checks.batch import (
    LossFn,
    call,
    device_of,
    main_output,
    preserved,
    rebuild_optimizer,
    resolve_loss,
    split,
    training_copy,
)
from torchvitals.registry import monitor_for


def snapshot(
    model: nn.Module,
    loader_or_batch: Any,
    loss_fn: LossFn | None = None,
    optimizer: torch.optim.Optimizer | None = None,
    warmup: int = 1,
) -> dict[str, Any]:
    """Time and size one training step on a copy of the model: data fetch, forward, backward
    and optimizer step in ms (CUDA: device time from events, one explicit synchronize, counted),
    parameter counts and bytes, the output's shape/dtype/bytes, memory (CUDA: allocator peak and
    reserved; CPU: process RSS growth, `memory_source` says which), the bytes autograd saved for
    backward (`activation_bytes`), samples/s and the environment. `loader_or_batch` is an
    (inputs, target) pair or an iterable of them (its first batch is fetched and timed)."""
    t0 = time.perf_counter()
    if isinstance(loader_or_batch, (tuple, list)) and len(loader_or_batch) == 2:
        batch = loader_or_batch
    else:
        batch = next(iter(loader_or_batch))
    data_ms = (time.perf_counter() - t0) * 1e3
    with preserved(model):
        twin = training_copy(model)
        device = device_of(twin)
        inputs, target = to_device(split(batch), device)
        loss_fn, kind, _ = resolve_loss(loss_fn, target)
        opt = rebuild_optimizer(optimizer, [p for p in twin.parameters() if p.requires_grad])
        for _ in range(warmup):
            train_step(twin, opt, inputs, target, loss_fn)
        cuda = device.type == "cuda"
        if cuda:
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
        rss0 = rss_bytes()
        step = train_step(twin, opt, inputs, target, loss_fn, timed_on=device if cuda else None)
        rss1 = rss_bytes()
        loss = float(step["loss"])
    n = batch_size(inputs)
    snap: dict[str, Any] = {
        "batch_size": n,
        "data_ms": round(data_ms, 3),
        "forward_ms": step["forward_ms"],
        "backward_ms": step["backward_ms"],
        "optimizer_ms": step["optimizer_ms"],
        "step_ms": round(step["forward_ms"] + step["backward_ms"] + step["optimizer_ms"], 3),
        "timing": "cuda-events" if cuda else "wall-clock",
        "device_syncs_count": step["syncs"],
        "loss": round(loss, 6),
        "loss_kind": kind or getattr(loss_fn, "__name__", type(loss_fn).__name__),
        "activation_bytes": step["saved_bytes"],
        "copy_bytes": tensor_bytes(batch) if device.type != "cpu" else 0,
        **param_counts(model),
    }
    out = step["output"]
    snap.update(
        out_shape=tuple(out.shape),
        out_dtype=str(out.dtype),
        out_bytes=out.numel() * out.element_size(),
    )
    total_ms = snap["step_ms"] + snap["data_ms"]
    snap["samples_per_sec"] = round(n * 1e3 / total_ms, 2) if total_ms > 0 else None
    if cuda:
        snap["memory_source"] = "cuda-allocator"
        snap["gpu_peak_bytes"] = torch.cuda.max_memory_allocated(device)
        snap["gpu_reserved_bytes"] = torch.cuda.memory_reserved(device)
    else:
        snap["memory_source"] = "cpu-rss"  # the CPU allocator keeps no peak counter
        snap["rss_growth_bytes"] = max(0, rss1 - rss0) if rss0 and rss1 else None
    snap["env"] = environment(device)
    record(model, snap)
    return snap


def record(model: nn.Module, snap: dict[str, Any]) -> None:
    """Store the snapshot in the run record when a live monitor watches this model."""
    mon = monitor_for(model)
    if mon is not None:
        mon.event("snapshot", line=snapshot_line(snap), **{k: v for k, v in snap.items() if k != "env"}, env=str(snap["env"]))


def train_step(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    inputs: Any,
    target: torch.Tensor,
    loss_fn: LossFn,
    timed_on: torch.device | None = None,
) -> dict[str, Any]:
    """One forward/backward/step, timed (wall clock; CUDA events when `timed_on` is a CUDA
    device, read after one synchronize) and with the bytes autograd saved for backward."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:  # weights saved for backward are not activations
            saved[storage.data_ptr()] = storage.nbytes()
        return t

    marks = [torch.cuda.Event(enable_timing=True) for _ in range(4)] if timed_on is not None else []
    walls = [time.perf_counter()]
    if marks:
        marks[0].record()
    opt.zero_grad(set_to_none=True)
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = call(model, inputs)
        loss = loss_fn(out, target)
    walls.append(time.perf_counter())
    if marks:
        marks[1].record()
    loss.backward()
    walls.append(time.perf_counter())
    if marks:
        marks[2].record()
    opt.step()
    walls.append(time.perf_counter())
    syncs = 0
    if marks:
        marks[3].record()
        torch.cuda.synchronize(timed_on)
        syncs = 1
        ms = [marks[i].elapsed_time(marks[i + 1]) for i in range(3)]
    else:
        ms = [(walls[i + 1] - walls[i]) * 1e3 for i in range(3)]
    return {
        "forward_ms": round(ms[0], 3),
        "backward_ms": round(ms[1], 3),
        "optimizer_ms": round(ms[2], 3),
        "syncs": syncs,
        "saved_bytes": sum(saved.values()),
        "loss": loss.detach(),
        "output": main_output(out).detach(),
    }


def param_counts(model: nn.Module) -> dict[str, int]:
    """Parameter counts and bytes: total, trainable, frozen (shared parameters counted once)."""
    ps = list(model.parameters())
    trainable = [p for p in ps if p.requires_grad]
    frozen = [p for p in ps if not p.requires_grad]
    return {
        "total_params": sum(p.numel() for p in ps),
        "trainable_params": sum(p.numel() for p in trainable),
        "frozen_params": sum(p.numel() for p in frozen),
        "param_bytes": sum(p.numel() * p.element_size() for p in ps),
        "trainable_bytes": sum(p.numel() * p.element_size() for p in trainable),
        "frozen_bytes": sum(p.numel() * p.element_size() for p in frozen),
    }


def to_device(obj: Any, device: torch.device) -> Any:
    """Tensors in nested tuples/lists/dicts moved to `device` (no copy when already there)."""
    if isinstance(obj, torch.Tensor):
        return obj.to(device)
    if isinstance(obj, dict):
        return {k: to_device(v, device) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return type(obj)(to_device(v, device) for v in obj)
    return obj


def tensor_bytes(obj: Any) -> int:
    if isinstance(obj, torch.Tensor):
        return obj.numel() * obj.element_size()
    if isinstance(obj, dict):
        return sum(tensor_bytes(v) for v in obj.values())
    if isinstance(obj, (tuple, list)):
        return sum(tensor_bytes(v) for v in obj)
    return 0


def batch_size(inputs: Any) -> int:
    from torchvitals.checks.batch import primary

    x, _ = primary(inputs)
    return int(x.shape[0]) if x.dim() else 1


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def environment(device: torch.device) -> dict[str, str | None]:
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu"
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "device": name,
    }


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if abs(n) < 1024 or unit == "GB":
            return f"{n:.0f}{unit}" if unit == "B" else f"{n:.1f}{unit}"
        n /= 1024
    return f"{n:.1f}GB"


def snapshot_line(snap: dict[str, Any]) -> str:
    """`MICRODETAIL ms: key=value …`, keys sorted, bytes in human units, floats to 2 decimals,
    one line."""
    parts = []
    for key in sorted(snap):
        v = snap[key]
        if key.endswith("_bytes") and isinstance(v, (int, float)):
            text = human_bytes(v)
        elif isinstance(v, float):
            text = f"{v:.2f}"
        else:
            text = str(v)
        parts.append(f"{key}={text}".replace("\n", " "))
    return "MICRODETAIL ms: " + " ".join(parts)
