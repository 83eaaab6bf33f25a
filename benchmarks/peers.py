"""What users would otherwise run to watch gradient norms, as optimizer step pre-hooks (where
Lightning's on_before_optimizer_step runs): the naive per-parameter `.item()` loop and
Lightning's `grad_norm`. No torchvitals import. Used by overhead.py and paired_overhead.py.
"""

from __future__ import annotations

from typing import Any

import torch


def naive_norms(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
    """A per-parameter Python loop of .item(): one host read per parameter per step."""
    norms = {}
    for group in optimizer.param_groups:
        for i, p in enumerate(group["params"]):
            if p.grad is not None:
                norms[i] = p.grad.norm().item()


def lightning_available() -> str | None:
    """None when Lightning's grad_norm can be imported, else why not."""
    try:
        from lightning.fabric.utilities.apply_func import convert_tensors_to_scalars  # noqa: F401
        from lightning.pytorch.utilities import grad_norm  # noqa: F401
    except Exception as e:  # an optional peer: the benchmark goes on without it
        return f"lightning not importable ({e})"
    return None


def lightning_hook(model: torch.nn.Module, every: int) -> Any:
    """Lightning's grad_norm every `every`-th step, converted to floats as Lightning's logger
    connector converts logged tensors."""
    from lightning.fabric.utilities.apply_func import convert_tensors_to_scalars
    from lightning.pytorch.utilities import grad_norm

    count = 0

    def hook(optimizer: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count % every == 0:
            convert_tensors_to_scalars(grad_norm(model, norm_type=2))

    return hook
