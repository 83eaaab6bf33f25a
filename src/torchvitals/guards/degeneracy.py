"""DegeneracyGuard: predictions that collapse to a constant ([DEGENERACY-GUARD])."""

from __future__ import annotations

import math
import weakref
from typing import Any

import torch
from torch import nn

from torchvitals.guards.common import _env_float, _event, _fmt, _say
from torchvitals.registry import monitor_for
from torchvitals.terminal import Once


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
