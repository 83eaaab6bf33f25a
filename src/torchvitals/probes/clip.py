"""The gradient norm before clipping: what the script's clipping call measured.

The sampler measures gradients at the optimizer step, after any clipping; the total norm a clip
computes on the way is the pre-clip norm. On DTensors (FSDP2) it is already the global norm (torch
reduces it across the mesh), under DDP the all-reduced gradients' norm, so it combines across
ranks as a replicated value.

Two public entry points clip by norm, and both are tapped while a monitor lives:
- `torch.nn.utils.clip_grad_norm_(parameters, max_norm, ...)`, which returns the total norm;
- `torch.nn.utils.clip_grads_with_norm_(parameters, max_norm, total_norm, ...)` (torch >= 2.6),
  given a total norm the caller measured with `get_total_norm` (Accelerate >= 1.16 and the
  Hugging Face Trainer clip this way, one call per device mesh).
clip_grad_norm_ itself calls a private twin of the second, so one clip is told once. Each tap
calls the original and hands each watching monitor (parameters, total norm, max_norm): the total
is a device tensor, no host read here. A script that bound a function before the monitor existed
(`from torch.nn.utils import clip_grad_norm_` at import time) keeps the original: no pre-clip norm
is recorded then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

Tell = Callable[[list[torch.Tensor], torch.Tensor, float], None]


def _returned(result: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    return result


def _given(result: Any, args: tuple, kwargs: dict[str, Any]) -> Any:
    """clip_grads_with_norm_'s total_norm, the argument after (parameters, max_norm)."""
    return args[0] if args else kwargs.get("total_norm")


# Each tapped function: the modules that expose it, and where its total norm comes from.
_TAPS: dict[str, tuple[tuple[str, ...], Callable[[Any, tuple, dict[str, Any]], Any]]] = {
    "clip_grad_norm_": (("torch.nn.utils", "torch.nn.utils.clip_grad"), _returned),
    "clip_grads_with_norm_": (("torch.nn.utils",), _given),
}
_watchers: dict[int, Tell] = {}
_patched: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {}  # name → (original, wrapper)


def _module(path: str) -> Any:
    mod: Any = torch
    for part in path.split(".")[1:]:
        mod = getattr(mod, part)
    return mod


def _told(params: list[torch.Tensor], total: Any, max_norm: Any) -> None:
    for tell in list(_watchers.values()):
        try:
            tell(params, total, float(max_norm))
        except Exception:
            pass  # a watcher never reaches the user's clip call


def _tap(original: Callable[..., Any], total_of: Callable[[Any, tuple, dict[str, Any]], Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def clip(parameters: Any, max_norm: float, *args: Any, **kwargs: Any) -> Any:
        params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
        result = original(params, max_norm, *args, **kwargs)
        _told(params, total_of(result, args, kwargs), max_norm)
        return result

    return clip


def _install() -> None:
    for name, (sites, total_of) in _TAPS.items():
        original = getattr(_module(sites[0]), name, None)
        if original is None:  # an older torch without this entry point
            continue
        wrapper = _tap(original, total_of)
        _patched[name] = (original, wrapper)
        for site in sites:
            mod = _module(site)
            if getattr(mod, name, None) is original:
                setattr(mod, name, wrapper)


def _uninstall() -> None:
    for name, (original, wrapper) in _patched.items():
        for site in _TAPS[name][0]:
            mod = _module(site)
            if getattr(mod, name, None) is wrapper:  # someone else's patch stays
                setattr(mod, name, original)
    _patched.clear()


def watch_clip(key: int, tell: Tell) -> None:
    """`tell(parameters, total_norm, max_norm)` after every clip by norm until `unwatch_clip(key)`."""
    if not _watchers:
        _install()
    _watchers[key] = tell


def unwatch_clip(key: int) -> None:
    _watchers.pop(key, None)
    if not _watchers and _patched:
        _uninstall()


def local_total(total: Any) -> torch.Tensor | None:
    """The total norm as a plain 0-d tensor (a replicated DTensor's local value)."""
    if hasattr(total, "to_local"):
        total = total.to_local()
    return total.detach().reshape(()) if isinstance(total, torch.Tensor) and total.numel() == 1 else None
