"""Framework wrappers around a torch optimizer or scheduler, seen through."""

from __future__ import annotations

from typing import Any


def unwrap(obj: Any) -> Any:
    """The torch optimizer or scheduler inside Accelerate's wrappers (`accelerator.prepare`):
    AcceleratedOptimizer skips step() and zero_grad() while gradients accumulate and
    AcceleratedScheduler steps only with them, so the object underneath sees exactly the steps
    that happened. Anything else is returned as it is (matched by class name: importing
    torchvitals never imports accelerate)."""
    for _ in range(4):  # wrappers may nest; never loop forever on an odd object
        name = type(obj).__name__
        inner = getattr(obj, "optimizer", None) if name == "AcceleratedOptimizer" else \
            getattr(obj, "scheduler", None) if name == "AcceleratedScheduler" else None
        if inner is None:
            return obj
        obj = inner
    return obj
