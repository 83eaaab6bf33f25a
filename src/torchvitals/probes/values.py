"""Reading values the user's code hands over (metric dicts, tensors, a model's output, an
optimizer's learning rates) into plain numbers for the record. Small readers, no judging."""

from __future__ import annotations

import numbers
from typing import Any

import torch

from torchvitals.record import rounded


def metrics(x: Any) -> dict[str, Any]:
    if x is None:
        return {}
    if isinstance(x, dict):
        return {str(k): jsonable(v, 3) for k, v in x.items()}
    return {"loss": jsonable(x, 3)}


def jsonable(v: Any, depth: int = 0) -> Any:
    """A value for a record: numbers rounded, a tensor's mean, lists and dicts (three levels
    deep) element by element, anything else its str()."""
    if isinstance(v, (list, tuple)) and depth < 3:
        return [jsonable(x, depth + 1) for x in v]
    if isinstance(v, dict) and depth < 3:
        return {str(k): jsonable(x, depth + 1) for k, x in v.items()}
    if isinstance(v, torch.Tensor):
        v = v.detach().float().mean().item() if v.numel() else float("nan")
    if isinstance(v, (int, float)):
        return rounded(v) if isinstance(v, float) else v
    if isinstance(v, (str, bool)) or v is None:
        return v
    try:
        return rounded(float(v))
    except (TypeError, ValueError):
        return str(v)


def is_plateau(sched: Any) -> bool:
    plateau = getattr(torch.optim.lr_scheduler, "ReduceLROnPlateau", None)
    return type(sched).__name__ == "ReduceLROnPlateau" or (plateau is not None and isinstance(sched, plateau))


def lrs(opt: Any) -> list[float | None]:
    return [rounded(float(g["lr"])) for g in opt.param_groups] if opt is not None else []


def host_scalar(v: Any) -> float | None:
    """A Python (or NumPy) number, or a 0-d tensor, as a float; None for anything else (no
    guessing at what a container holds)."""
    if isinstance(v, torch.Tensor):
        return rounded(float(v.detach().item())) if v.dim() == 0 else None
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return rounded(float(v))
    return None


def pick_output(output: Any, key: str) -> torch.Tensor | None:
    """The tensor the automatic output mode looks at: the output itself, or output[key]."""
    if isinstance(output, torch.Tensor):
        return output
    if key and key != "auto":
        if isinstance(output, dict):
            return output.get(key)
        if isinstance(output, (list, tuple)) and key.isdigit() and int(key) < len(output):
            return output[int(key)]
        return getattr(output, key, None)
    if isinstance(output, dict) and "logits" in output:
        return output["logits"]
    if isinstance(output, (list, tuple)) and output and isinstance(output[0], torch.Tensor):
        return output[0]
    return None


def gpu_gib(device: torch.device) -> float | None:
    if device.type == "cuda" and torch.cuda.is_available():
        return round(torch.cuda.max_memory_allocated(device) / 2**30, 2)
    return None

