"""GatedScheduler: a scheduler that steps only when its optimizer did ([SCHED-GATE])."""

from __future__ import annotations

from typing import Any

import torch

from torchvitals.guards.common import _event, _say

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
