"""step_gate: an optimizer step only when the gradient norm is finite and non-zero ([STEP-GATE])."""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass
from typing import Any

import torch

from torchvitals.guards.common import _event, _say
from torchvitals.probes import gradients


@dataclass
class GateStats:
    """What `step_gate` did for one optimizer: `calls`, `steps` taken, `skips` (of which
    `nonfinite` for an inf/NaN norm and `zero` for a zero norm or no gradient at all), and
    the latest gradient norm seen (`last_norm`, NaN when it could not be judged)."""

    calls: int = 0
    steps: int = 0
    skips: int = 0
    nonfinite: int = 0
    zero: int = 0
    last_norm: float = float("nan")


# One GateStats per optimizer, dropped with the optimizer.
_GATE_STATS: weakref.WeakKeyDictionary[torch.optim.Optimizer, GateStats] = (
    weakref.WeakKeyDictionary()
)


def gate_stats(optimizer: torch.optim.Optimizer) -> GateStats:
    """The running `GateStats` of `step_gate` for this optimizer (zeros before its first call)."""
    stats = _GATE_STATS.get(optimizer)
    if stats is None:
        stats = _GATE_STATS[optimizer] = GateStats()
    return stats


def step_gate(optimizer: torch.optim.Optimizer, scaler: Any = None, *, update: bool = True) -> bool:
    """A robust step gate: step unless the total gradient norm is non-finite or zero.

    The norm is the 2-norm over the gradients of all the optimizer's parameters (one norm per
    tensor with torch._foreach_norm, then the norm of those); parameters whose grad is None are
    skipped, and with no gradient at all the norm is 0. One host read per call (the gate needs
    the decision on the host).

    Without a scaler: `optimizer.step()` when the norm is finite and > 0.

    With a GradScaler: `scaler.unscale_(optimizer)` first (unless the loop already did), so the
    norm is judged on true gradients and `scaler.step` knows not to unscale again; then
    `scaler.step(optimizer)` when the norm is finite and > 0. `scaler.update()` is called after
    the step and also after a skip, so that an inf/NaN norm makes the scale back off (the
    scaler's own inf check saw the same gradients). Pass `update=False` when several optimizers
    share the scaler: gate each, then call `scaler.update()` once yourself. When no parameter
    has a gradient the scaler is not touched at all.

    Every skip is counted (`gate_stats(optimizer)`), printed as
    `[STEP-GATE] skipped step N: gradient norm inf` (N = this optimizer's gate call number) and
    recorded as a `gated-skip` event (reason, norm) in the run of a monitor watching the
    optimizer. If the norm itself cannot be computed, a line says so and the step is taken
    (a gate that cannot judge must not stop training; a GradScaler still checks for inf).
    Errors raised by the optimizer's own step propagate as they would without the gate.

    Returns True when a step was taken.
    """
    stats = gate_stats(optimizer)
    stats.calls += 1
    norm: float | None = None
    n_grads = 0
    try:
        grads = [p.grad for g in optimizer.param_groups for p in g["params"] if p.grad is not None]
        n_grads = len(grads)
        if n_grads and scaler is not None:
            _unscale_once(scaler, optimizer)
        norm = _total_norm(grads)
    except Exception as exc:
        _say(
            f"[STEP-GATE] could not judge the gradient at step {stats.calls} "
            f"({type(exc).__name__}: {exc}): stepping without the gate"
        )
    stats.last_norm = float("nan") if norm is None else norm
    reason = None
    if norm is not None and not math.isfinite(norm):
        reason = "nan" if math.isnan(norm) else "inf"
        stats.nonfinite += 1
    elif norm == 0.0:
        reason = "zero" if n_grads else "no-gradient"
        stats.zero += 1

    if reason is None:
        if scaler is not None:
            scaler.step(optimizer)
            if update:
                scaler.update()
        else:
            optimizer.step()
        stats.steps += 1
        return True

    if scaler is not None and n_grads and update:
        _safe_update(scaler)
    stats.skips += 1
    if reason == "no-gradient":
        what = "no parameter has a gradient (norm 0)"
    else:
        what = f"gradient norm {norm}"
    _say(
        f"[STEP-GATE] skipped step {stats.calls}: {what} "
        f"({stats.skips} skipped of {stats.calls} so far)"
    )
    _event(optimizer, "gated-skip", reason=reason, norm=norm, call=stats.calls)
    return False


def _total_norm(grads: list[torch.Tensor]) -> float:
    """The 2-norm over all `grads` (foreach kernels, sparse handled), read once."""
    if not grads:
        return 0.0
    return float(torch.linalg.vector_norm(gradients.norms(grads, grads[0].device)).item())


def _unscale_once(scaler: Any, optimizer: torch.optim.Optimizer) -> None:
    """scaler.unscale_(optimizer) unless this iteration already unscaled it (clipping loops)."""
    state = getattr(scaler, "_per_optimizer_states", {}).get(id(optimizer))
    stage = state.get("stage") if isinstance(state, dict) else None
    if getattr(stage, "name", "READY") == "READY":
        scaler.unscale_(optimizer)


def _safe_update(scaler: Any) -> None:
    try:
        scaler.update()
    except Exception as exc:
        _say(f"[STEP-GATE] scaler.update() after a skip failed ({type(exc).__name__}: {exc})")
