"""Guards: explicit, opt-in interventions in a live training loop.

Probes and rules only watch; a guard acts. Each one is called from the user's loop, prints one
grep-able tagged line per intervention to stderr, and, when a live monitor watches the object it
acts on, counts the intervention in the run record (`Monitor.event`). Without a monitor a guard
works the same, standalone. A guard never raises into the training loop on odd input (empty or
NaN predictions, a batch of one, no gradients): it prints one clear line and carries on.

    guard = DegeneracyGuard(model.head)            # predictions that collapse to a constant
    loss = loss_fn(pred, y) + guard.penalty(pred)
    guard.check(pred)                              # resets the head when the spread is gone

    if step_gate(opt, scaler):                     # step unless the norm is inf/NaN/0
        sched.step()                               # ...or let GatedScheduler decide

Tags: [DEGENERACY-GUARD], [STEP-GATE], [SCHED-GATE].
"""

from __future__ import annotations

import math
import sys
import warnings
import weakref
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from torchvitals.config import ENV_PREFIX, from_env
from torchvitals.probes import gradients
from torchvitals.registry import monitor_for
from torchvitals.terminal import Once, say

__all__ = ["DegeneracyGuard", "GateStats", "GatedScheduler", "gate_stats", "step_gate"]


def _say(line: str) -> None:
    """One tagged line on stderr (read at call time), flushed: guards are read with grep on
    live logs. Names and exception messages in it are shown with control characters escaped."""
    say(sys.stderr, line)


def _event(obj: Any, kind: str, **fields: Any) -> None:
    """Count an intervention in the run record of the monitor watching `obj`, if any."""
    try:
        mon = monitor_for(obj)
        if mon is not None:
            k = mon.optimizer_index(obj)
            if k is not None:
                fields.setdefault("opt", k)
            mon.event(kind, **fields)
    except Exception:
        pass


def _env_float(name: str, default: float) -> float:
    """TORCHVITALS_<NAME> as a non-negative finite float; malformed → warning and `default`."""
    value = from_env(name, float(default), stacklevel=4)
    if value < 0:
        warnings.warn(f"torchvitals: ignoring {ENV_PREFIX}{name}={value!r} (negative); using {default}", stacklevel=3)
        return default
    return value


def _fmt(x: float) -> str:
    return f"{x:.3e}" if math.isfinite(x) else str(x)


# ----------------------------------------------------------------------------- degeneracy


class DegeneracyGuard:
    """A degeneracy guard: keep a regression head's predictions from collapsing to a
    constant, and re-initialise the head when they do.

    Knobs (a keyword wins; when it is None the environment variable is read, then the default):

    - `std_floor` (TORCHVITALS_PRED_STD_FLOOR, 1e-6): predictions whose spread across the batch
      is below this count as collapsed.
    - `reset_scale` (TORCHVITALS_DEGENERACY_RESET_SCALE, 0.05): standard deviation of the noise
      the head's weights are re-drawn from.
    - `variance_penalty` (TORCHVITALS_VARIANCE_PENALTY_WEIGHT, 0.01): weight of `penalty()`.
    - `target_std` (default 100 × std_floor): the spread below which `penalty()` is non-zero.
    - `recovery_batches` (2): `check()` calls after a reset within which the spread must be back.
    - `max_resets_per_epoch` (10): more resets than this in one epoch make `epoch_end()` warn.
    - `optimizer`: when given, a reset also drops that optimizer's state (Adam moments,
      momentum) for the head's parameters, so stale moments do not push the fresh weights back.
    - `name`: the head's name in lines and events; default its path in the watched model (or
      its class name when no monitor watches it).

    The spread of a batch of predictions `pred` (shape (B, ...), flattened to (B, D)) is the
    largest, over the D outputs, of the standard deviation across the B samples: the head
    counts as collapsed only when every output is constant across the batch.

    Counters: `resets` (total), `resets_this_epoch`, `failed_recoveries`.
    """

    def __init__(
        self,
        head: nn.Module,
        std_floor: float | None = None,
        reset_scale: float | None = None,
        variance_penalty: float | None = None,
        recovery_batches: int = 2,
        max_resets_per_epoch: int = 10,
        *,
        target_std: float | None = None,
        optimizer: torch.optim.Optimizer | None = None,
        name: str | None = None,
    ) -> None:
        if not isinstance(head, nn.Module):
            raise TypeError(f"DegeneracyGuard expects an nn.Module head, got {type(head).__name__}")
        self.head = head
        self.std_floor = _knob("std_floor", std_floor, "PRED_STD_FLOOR", 1e-6)
        self.reset_scale = _knob("reset_scale", reset_scale, "DEGENERACY_RESET_SCALE", 0.05)
        self.variance_penalty = _knob(
            "variance_penalty", variance_penalty, "VARIANCE_PENALTY_WEIGHT", 0.01
        )
        self.target_std = (
            100 * self.std_floor if target_std is None else _check("target_std", target_std)
        )
        self.recovery_batches = max(1, int(recovery_batches))
        self.max_resets_per_epoch = int(max_resets_per_epoch)
        self._opt_ref = weakref.ref(optimizer) if optimizer is not None else None
        self._name = name
        self.resets = 0
        self.resets_this_epoch = 0
        self.failed_recoveries = 0
        self._watch_left = 0  # check() calls left in which the spread must come back
        self._told = Once()  # odd-input notes already printed (each is said once)

    # -- public --------------------------------------------------------------------------------
    def penalty(self, pred: torch.Tensor) -> torch.Tensor:
        """A differentiable term to add to the loss that pushes predictions apart:

            variance_penalty * mean_j relu(target_std - sqrt(var_j + std_floor**2))

        with var_j the (population) variance of output j across the batch. It is exactly zero
        when every output's spread is at least `target_std`, positive below, and its gradient
        is finite even for constant predictions (the std_floor**2 inside the root).

        Returns a 0-dim float32 tensor on pred's device; zero (without a graph) for a batch of
        fewer than 2 samples, an empty tensor, or when the weight is 0. NaN predictions give a
        NaN penalty (the loss they feed is NaN already). No host synchronisation.
        """
        if not isinstance(pred, torch.Tensor):
            what = type(pred).__name__
            self._once("penalty-type", f"penalty: expected a tensor, got {what}; using 0")
            return torch.zeros(())
        try:
            small = pred.dim() == 0 or pred.shape[0] < 2 or pred.numel() == 0
            if small or not self.variance_penalty:
                return torch.zeros((), device=pred.device)
            flat = pred.reshape(pred.shape[0], -1).float()
            eps = max(self.std_floor, 1e-12) ** 2
            spread = torch.sqrt(flat.var(dim=0, unbiased=False) + eps)
            return self.variance_penalty * torch.relu(self.target_std - spread).mean()
        except Exception as exc:
            self._once("penalty-error", f"penalty failed ({type(exc).__name__}: {exc}); using 0")
            return torch.zeros((), device=pred.device)

    def check(self, pred: torch.Tensor) -> bool:
        """Judge one batch of predictions; re-initialise the head when they have collapsed.

        When the spread (see the class docstring) is below `std_floor` and no earlier reset is
        still being verified, the head is reset: under torch.no_grad(), every parameter with 2
        or more dimensions (weights) is re-drawn from N(0, reset_scale²), every 1-dimensional
        parameter named `bias` is set to zero, other parameters (norm scales) are left as they
        are. It prints `[DEGENERACY-GUARD] reset applied (std=...)`, counts the reset and
        records a `degeneracy-reset` event.

        The next `recovery_batches` calls verify the reset: the first whose spread is at least
        `std_floor` prints `variance restored (std=...)`; if none is, the last one prints
        `reset failed to restore variance (std=...)`, counts a failed recovery and records a
        `degeneracy-recovery-failed` event. A collapse after a failed recovery is reset again.

        Returns True when this call reset the head. Odd input (not a tensor, empty, a batch of
        one, NaN/Inf spread) is not judged: one line says so (once per kind), False is returned.
        Cost: one host read (`.item()`) per call: call it every N batches to save the sync.

        Call it after `loss.backward()` (typically after `optimizer.step()`): the reset rewrites
        the head's weights in place, which a backward still pending through them would refuse.
        """
        try:
            std = self._spread(pred)
            if std is None:
                return False
            if self._watch_left > 0:
                self._verify(std)
                return False
            if std < self.std_floor:
                self._reset(std)
                return True
            return False
        except Exception as exc:
            self._once("check-error", f"check failed ({type(exc).__name__}: {exc}); carrying on")
            return False

    def epoch_end(self) -> int:
        """Close an epoch for the reset counter: warn when it had more than
        `max_resets_per_epoch` resets, then start the next epoch at 0. Returns the epoch's count."""
        n = self.resets_this_epoch
        if n > self.max_resets_per_epoch:
            _say(
                f"[DEGENERACY-GUARD] {n} resets this epoch (> {self.max_resets_per_epoch}): "
                "reduce PRED_STD_FLOOR or increase VARIANCE_PENALTY_WEIGHT"
            )
            limit = self.max_resets_per_epoch
            _event(self.head, "degeneracy-excessive-resets", resets=n, limit=limit)
        self.resets_this_epoch = 0
        return n

    # -- internals ------------------------------------------------------------------------------
    def _spread(self, pred: Any) -> float | None:
        """The largest per-output std across the batch, or None (said once) when not judgeable."""
        if not isinstance(pred, torch.Tensor):
            self._once("type", f"expected a tensor of predictions, got {type(pred).__name__}")
            return None
        if pred.numel() == 0:
            self._once("empty", "empty predictions: spread not judged")
            return None
        if pred.dim() == 0 or pred.shape[0] < 2:
            self._once("small", "a batch of fewer than 2 predictions has no spread: not judged")
            return None
        with torch.no_grad():
            flat = pred.detach().reshape(pred.shape[0], -1).float()
            std = float(flat.std(dim=0, unbiased=False).max().item())  # the one host read
        if not math.isfinite(std):
            self._once("nonfinite", f"predictions contain NaN/Inf (std={std}): spread not judged")
            return None
        return std

    def _reset(self, std: float) -> None:
        params = self._reinit()
        self.resets += 1
        self.resets_this_epoch += 1
        self._watch_left = self.recovery_batches
        name = self._head_name()
        _say(f"[DEGENERACY-GUARD] reset applied (std={_fmt(std)}) to {name}: {params} parameter(s)")
        _event(self.head, "degeneracy-reset", std=std, head=name)

    def _reinit(self) -> int:
        params = list(self.head.named_parameters())
        if not params:
            self._once("no-params", "the head has no parameters: nothing to reset")
        with torch.no_grad():
            for n, p in params:
                if p.dim() >= 2:
                    p.normal_(0.0, self.reset_scale)
                elif n.rsplit(".", 1)[-1] == "bias":
                    p.zero_()
        opt = self._opt_ref() if self._opt_ref is not None else None
        if opt is not None:
            for _, p in params:
                opt.state.pop(p, None)
        return len(params)

    def _verify(self, std: float) -> None:
        self._watch_left -= 1
        if std >= self.std_floor:
            self._watch_left = 0
            _say(f"[DEGENERACY-GUARD] variance restored (std={_fmt(std)})")
        elif self._watch_left == 0:
            self.failed_recoveries += 1
            _say(
                f"[DEGENERACY-GUARD] reset failed to restore variance (std={_fmt(std)}) after "
                f"{self.recovery_batches} batch(es): increase DEGENERACY_RESET_SCALE, or the "
                "collapse is upstream of the head"
            )
            _event(self.head, "degeneracy-recovery-failed", std=std, head=self._head_name())

    def _head_name(self) -> str:
        if self._name is None:
            self._name = _module_path(self.head) or type(self.head).__name__
        return self._name

    def _once(self, key: str, text: str) -> None:
        if self._told.first(key):
            _say(f"[DEGENERACY-GUARD] {text}")


def _check(name: str, value: float) -> float:
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"DegeneracyGuard: {name} must be a non-negative number, got {value}")
    return value


def _knob(name: str, value: float | None, env: str, default: float) -> float:
    return _env_float(env, default) if value is None else _check(name, value)


def _module_path(module: nn.Module) -> str | None:
    """`module`'s dotted path inside the model a live monitor watches, if one does."""
    try:
        mon = monitor_for(module)
        for root in mon.roots() if mon is not None else []:
            for path, m in root.named_modules():
                if m is module:
                    return path or type(module).__name__
    except Exception:
        pass
    return None


# ----------------------------------------------------------------------------- step gate


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


# ----------------------------------------------------------------------------- scheduler gate

# [SCHED-GATE] lines: the first few holds, then every Nth.
_SCHED_FIRST = 3
_SCHED_EVERY = 100


class _StepCount:
    """The optimizer's step counter, shared by the post hook and the GatedScheduler (the hook
    holds this, not the wrapper: no reference cycle through the optimizer)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.n += 1


class GatedScheduler:
    """Wrap an LR scheduler so that it only steps after real optimizer steps.

    `step()` steps the inner scheduler when the optimizer stepped at least once since the
    previous `step()` (or since wrapping); otherwise it holds: counts `held`, prints
    `[SCHED-GATE] held: no optimizer step since the last scheduler step` (the first 3 times,
    then every 100th) and records a `sched-held` event in a watching monitor's run. Steps are
    seen through `optimizer.register_step_post_hook`, so GradScaler skips (which leave
    optimizer.step uncalled) and `step_gate` skips hold the scheduler too.

    `remove()` (or leaving a `with` block) removes the hook; after it `step()` passes straight
    through. `get_last_lr()`, `state_dict()`, `load_state_dict()`, `last_epoch`, `optimizer`
    and any other attribute are the inner scheduler's. When watching, pass the inner scheduler
    (`watch(..., scheduler=gated.scheduler)`) so the monitor counts only the steps taken.
    """

    def __init__(self, scheduler: Any) -> None:
        optimizer = getattr(scheduler, "optimizer", None)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise TypeError("GatedScheduler expects an LR scheduler with an .optimizer attribute")
        self.scheduler = scheduler
        self.held = 0
        self.stepped = 0
        self._count = _StepCount()
        self._seen = 0
        self._handle: Any = optimizer.register_step_post_hook(self._count)

    def step(self, *args: Any, **kwargs: Any) -> bool:
        """Step the inner scheduler if the optimizer stepped since the last call (arguments,
        e.g. ReduceLROnPlateau's metric, are passed on). Returns True when it stepped."""
        if self._handle is not None and self._count.n == self._seen:
            self.held += 1
            if self.held <= _SCHED_FIRST or self.held % _SCHED_EVERY == 0:
                _say(
                    "[SCHED-GATE] held: no optimizer step since the last scheduler step "
                    f"({self.held} held so far)"
                )
            _event(self.scheduler.optimizer, "sched-held", held=self.held)
            return False
        self._seen = self._count.n
        self.scheduler.step(*args, **kwargs)
        self.stepped += 1
        return True

    def remove(self) -> None:
        """Remove the optimizer hook; step() then steps the inner scheduler every time."""
        if self._handle is not None:
            self._handle.remove()
            self._handle = None

    @property
    def last_epoch(self) -> int:
        return self.scheduler.last_epoch

    def get_last_lr(self) -> list[float]:
        return self.scheduler.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        return self.scheduler.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        self.scheduler.load_state_dict(state_dict)

    def __getattr__(self, name: str) -> Any:
        # Only reached for attributes GatedScheduler lacks: the inner scheduler's.
        if name == "scheduler":  # not set yet (failed __init__): avoid recursion
            raise AttributeError(name)
        return getattr(self.scheduler, name)

    def __enter__(self) -> GatedScheduler:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.remove()
