"""Framework wrappers around a torch module, optimizer or scheduler, seen through."""

from __future__ import annotations

import sys
from types import CodeType, FrameType
from typing import Any

from torchvitals.frames import frame_locals

# Where a wrapper module keeps the module it runs (a registered submodule): DistributedDataParallel
# and DataParallel (`module`), torch.compile (`_orig_mod`), Lightning Fabric (`_forward_module`).
_INNER_MODULES = ("module", "_orig_mod", "_forward_module")

# How many frames above a scheduler's step() a scheduler that steps it may be (the tap's own
# frames between).
_CALLER_DEPTH = 12


def unwrap(obj: Any) -> Any:
    """The torch optimizer or scheduler inside Accelerate's wrappers (`accelerator.prepare`):
    AcceleratedOptimizer skips step() and zero_grad() while gradients accumulate and
    AcceleratedScheduler steps only with them (once per process per optimizer step: see
    `composite_scheduler_call`). Anything else is returned as it is (matched by class name:
    importing torchvitals never imports accelerate)."""
    for _ in range(4):  # wrappers may nest; never loop forever on an odd object
        name = type(obj).__name__
        inner = getattr(obj, "optimizer", None) if name == "AcceleratedOptimizer" else \
            getattr(obj, "scheduler", None) if name == "AcceleratedScheduler" else None
        if inner is None:
            return obj
        obj = inner
    return obj


def wrapped_modules(root: Any) -> list[Any]:
    """`root` and the modules it wraps, outermost first: a DistributedDataParallel's model, a
    compiled model's original, Fabric's module (a few levels at most)."""
    out = [root]
    for _ in range(4):
        children = getattr(root, "_modules", None) or {}
        inner = next((children[a] for a in _INNER_MODULES if children.get(a) is not None), None)
        if inner is None:
            break
        out.append(inner)
        root = inner
    return out


def composite_scheduler_call() -> FrameType | None:
    """The outermost call running now of a scheduler that steps others, when a scheduler's
    step() comes from one; else None. torch's ChainedScheduler steps each of its schedulers
    (SequentialLR the current one), and Accelerate's AcceleratedScheduler, without
    `split_batches`, steps the one it wraps once per process at every optimizer step (its
    schedule counts samples, not steps): every step() made within one such call is one step of
    the training loop."""
    codes = _composite_codes()
    frame: FrameType | None = sys._getframe(1)
    found = None
    for _ in range(_CALLER_DEPTH):
        if frame is None:
            break
        if frame.f_code in codes:
            found = frame
        frame = frame.f_back
    return found


_CODES: dict[bool, frozenset[CodeType]] = {}


def _composite_codes() -> frozenset[CodeType]:
    """The code of the step() methods of schedulers that step others (Accelerate's once it is
    imported: importing torchvitals never imports accelerate)."""
    accelerate = sys.modules.get("accelerate.scheduler")
    codes = _CODES.get(accelerate is not None)
    if codes is None:
        from torch.optim import lr_scheduler

        classes = [getattr(lr_scheduler, name, None) for name in ("ChainedScheduler", "SequentialLR")]
        classes.append(getattr(accelerate, "AcceleratedScheduler", None))
        steps = [getattr(c, "step", None) for c in classes]
        codes = _CODES[accelerate is not None] = frozenset(f.__code__ for f in steps if hasattr(f, "__code__"))
    return codes


def building_optimizer(opt: Any, depth: int = 24) -> Any:
    """The optimizer whose own code is making `opt` now, if any: ZeroRedundancyOptimizer builds
    the optimizer of its rank's shard inside its __init__ (or step). Such an optimizer is a part
    of the one that made it, stepped by it, not one the training loop steps. Found from the
    frames above (a method of another torch optimizer, its `self`)."""
    import torch

    frame: FrameType | None = sys._getframe(1)
    for _ in range(depth):
        if frame is None:
            return None
        owner = frame_locals(frame).get("self") if frame.f_code.co_varnames[:1] == ("self",) else None
        if owner is not None and owner is not opt and isinstance(owner, torch.optim.Optimizer):
            return owner
        frame = frame.f_back
    return None
