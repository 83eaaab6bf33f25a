"""The lint rules, one module per theme; importing this registers every rule's page."""

from __future__ import annotations

from torchvitals.lint import dispatch  # noqa: F401  (calls through values are followed from here on)
from torchvitals.lint.rules import (
    accumulate,
    accumulate_dicts,
    accumulate_returns,
    attention,
    data,
    gradflow,
    loading,
    loops,
    losses,
    modules,
    scaler,
    schedule,
    targets,
    trained_loader,
)

CHECKS = [
    gradflow.check,
    *loops.CHECKS,
    *accumulate.CHECKS,
    *accumulate_returns.CHECKS,
    *accumulate_dicts.CHECKS,
    *schedule.CHECKS,
    *scaler.CHECKS,
    *modules.CHECKS,
    *losses.CHECKS,
    *targets.CHECKS,
    *attention.CHECKS,
    *loading.CHECKS,
    *data.CHECKS,
    *trained_loader.CHECKS,
]
