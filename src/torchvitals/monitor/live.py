"""`watch()`: the way in. Builds a Monitor (or a do-nothing one when torchvitals is disabled).
`monitor_for` (the live monitor watching an object) lives in registry.py."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import torch
from torch import nn

from torchvitals import registry
from torchvitals.config import resolve
from torchvitals.findings import Diagnosis
from torchvitals.monitor.core import Monitor, as_list, named_models
from torchvitals.probes.manual import ManualUpdates
from torchvitals.wrapped import unwrap


class _NullMonitor(Monitor):
    """What watch() returns with TORCHVITALS_ENABLED=0: same API, does nothing."""

    def __init__(self) -> None:  # noqa: D107 - deliberately skips all set-up
        self.closed = True
        self.diagnosis = Diagnosis(notes=["torchvitals disabled (TORCHVITALS_ENABLED=0)"])
        self.findings = {}
        self.run_dir = None

    def epoch_end(self, train: Any = None, val: Any = None, extra: dict[str, Any] | None = None) -> str:
        return ""

    def report(self, split: str, values: Any) -> None:
        return None

    def other_loss(self, *args: Any, **kwargs: Any) -> None:
        return None

    def forget_loss(self, split: str) -> None:
        return None

    def roots(self) -> list[Any]:
        return []

    def observe(self, *args: Any, **kwargs: Any) -> None:
        return None

    def event(self, kind: str, **fields: Any) -> None:
        return None

    def close(self) -> Diagnosis:
        return self.diagnosis  # type: ignore[return-value]


def watch(
    model: nn.Module | Sequence[nn.Module] | dict[str, nn.Module] | None,
    optimizer: torch.optim.Optimizer | Iterable[torch.optim.Optimizer] | None = None,
    *,
    scheduler: Any = None,
    scaler: Any = None,
    baseline: Any = None,
    **options: Any,
) -> Monitor:
    """Attach torchvitals to a model and its optimizer(s); the training loop stays unchanged.

    `model` may be a module, a list of modules, or a dict naming them (`{"generator": g,
    "discriminator": d}`: parameter names get the key as prefix);
    `optimizer` one optimizer or several; None for a loop that updates the parameters by hand
    (`p.data -= lr * p.grad`): each backward pass followed by a change of the model's trainable
    parameters is then a step (see probes/manual.py). `scheduler` (one or a list) and `scaler` (a
    GradScaler) are optional and let steps and skips be accounted (and the metric a
    ReduceLROnPlateau is given be judged). `baseline` is a persistence
    predictor for regression: a callable of the inputs given to `observe`. Options are keyword
    arguments or TORCHVITALS_<NAME> variables (see `torchvitals.config.Options`).

    Watching an optimizer that another live monitor watches closes that monitor first, so
    hooks never double; under `torchvitals run`, whose monitor watches every optimizer of the
    script, watch() returns that monitor instead (one run, one diagnosis: closing it is closing
    the run's). Accelerate's prepared optimizer and scheduler are watched through the torch
    objects they wrap (see `unwrap`).
    """
    opts = resolve(**options)
    if not opts.enabled:
        return _NullMonitor()
    if optimizer is None:
        trainable = {id(p): p for _, m in named_models(model) for p in m.parameters() if p.requires_grad}
        optimizer = [ManualUpdates(trainable.values())] if trainable else []
    optimizers = [unwrap(o) for o in ([optimizer] if isinstance(optimizer, torch.optim.Optimizer) else list(optimizer))]
    for opt in optimizers:
        if not isinstance(opt, torch.optim.Optimizer):
            raise TypeError(f"watch() expects torch.optim.Optimizer instances, got {type(opt).__name__}")
    for _, m in named_models(model):
        if not isinstance(m, nn.Module):
            raise TypeError(f"watch() expects nn.Module instances, got {type(m).__name__}")
    for old in list(registry.LIVE.values()):
        if any(old.optimizer_index(opt) is not None for opt in optimizers):
            if old.of_run:
                return _joined(old, options)
            old.close()
    # A GatedScheduler steps its inner scheduler only after real steps: account the inner one.
    schedulers = [getattr(s, "scheduler", s) if type(s).__name__ == "GatedScheduler" else unwrap(s) for s in as_list(scheduler)]
    return Monitor(model, optimizers, schedulers=schedulers, scaler=scaler, opts=opts, baseline=baseline)


def _joined(run_monitor: Monitor, options: dict[str, Any]) -> Monitor:
    """watch() in a script that `torchvitals run` runs: the run's monitor, said once in the record."""
    given = ", ".join(f"{k}={v!r}" for k, v in sorted(options.items()))
    run_monitor.event(
        "note",
        text="the script's own watch() joined the monitor of `torchvitals run`"
        + (f" (its options were not applied: {given})" if given else ""),
    )
    return run_monitor
