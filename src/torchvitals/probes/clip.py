"""The gradient norm before clipping: what `torch.nn.utils.clip_grad_norm_` returned.

The sampler measures gradients at the optimizer step, after any clipping; the total norm
clip_grad_norm_ computes on the way is the pre-clip norm. On DTensors (FSDP2) it is already the
global norm (torch reduces it across the mesh), under DDP the all-reduced gradients' norm, so it
combines across ranks as a replicated value. While a monitor lives, `torch.nn.utils
.clip_grad_norm_` (and `torch.nn.utils.clip_grad.clip_grad_norm_`) is a wrapper that calls the
original and hands each watching monitor the result (a device tensor: no host read here). A
script that bound the function before the monitor existed (`from torch.nn.utils import
clip_grad_norm_` at import time) keeps the original: no pre-clip norm is recorded then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

_SITES = ("torch.nn.utils", "torch.nn.utils.clip_grad")
_watchers: dict[int, Callable[[list[torch.Tensor], torch.Tensor, float], None]] = {}
_original: Callable[..., Any] | None = None
_wrapper: Callable[..., Any] | None = None


def _module(path: str) -> Any:
    mod: Any = torch
    for part in path.split(".")[1:]:
        mod = getattr(mod, part)
    return mod


def _install() -> None:
    global _original, _wrapper
    original = torch.nn.utils.clip_grad.clip_grad_norm_

    @functools.wraps(original)
    def clip_grad_norm_(parameters: Any, max_norm: float, *args: Any, **kwargs: Any) -> Any:
        params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
        total = original(params, max_norm, *args, **kwargs)
        for tell in list(_watchers.values()):
            try:
                tell(params, total, float(max_norm))
            except Exception:
                pass  # a watcher never reaches the user's clip call
        return total

    _original, _wrapper = original, clip_grad_norm_
    for site in _SITES:
        mod = _module(site)
        if getattr(mod, "clip_grad_norm_", None) is original:
            mod.clip_grad_norm_ = clip_grad_norm_


def _uninstall() -> None:
    global _original, _wrapper
    for site in _SITES:
        mod = _module(site)
        if getattr(mod, "clip_grad_norm_", None) is _wrapper:  # someone else's patch stays
            mod.clip_grad_norm_ = _original
    _original = _wrapper = None


def watch_clip(key: int, tell: Callable[[list[torch.Tensor], torch.Tensor, float], None]) -> None:
    """`tell(parameters, total_norm, max_norm)` after every clip_grad_norm_ call until
    `unwatch_clip(key)`."""
    if not _watchers:
        _install()
    _watchers[key] = tell


def unwatch_clip(key: int) -> None:
    _watchers.pop(key, None)
    if not _watchers and _wrapper is not None:
        _uninstall()


def local_total(total: Any) -> torch.Tensor | None:
    """The returned total norm as a plain 0-d tensor (a replicated DTensor's local value)."""
    if hasattr(total, "to_local"):
        total = total.to_local()
    return total.detach().reshape(()) if isinstance(total, torch.Tensor) and total.numel() == 1 else None
