"""Finding an unmodified script's models and parameters without being told (`torchvitals run`):
one scan of the live modules, one walk of an autograd graph, and names taken from the script's
own variables. Measures nothing and judges nothing: it only finds objects."""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import torch
from torch import nn

from torchvitals.frames import frame_locals


def live_modules() -> list[nn.Module]:
    """Every live nn.Module (one scan of gc objects). By the object's own type: isinstance()
    asks a weakref.proxy for its referent's class, and a dead proxy (torch.compile leaves some)
    raises ReferenceError."""
    return [o for o in gc.get_objects() if issubclass(type(o), nn.Module)]


def owning_roots(param_ids: set[int]) -> list[nn.Module]:
    """The outermost live modules that own any of these parameters (one scan of gc objects)."""
    modules = live_modules()
    owners = [m for m in modules if any(id(p) in param_ids for p in m.parameters(recurse=True))]
    inner = {id(sub) for m in owners for sub in m.modules() if sub is not m}
    roots = [m for m in owners if id(m) not in inner]
    # A model and a wrapper around it (DDP, compile) can both be outermost: keep one per param set.
    roots.sort(key=lambda m: -sum(1 for _ in m.parameters()))
    kept: list[nn.Module] = []
    seen: set[int] = set()
    for m in roots:
        ids = {id(p) for p in m.parameters()}
        if not ids <= seen:
            kept.append(m)
            seen |= ids
    return kept


def other_models(roots: list[nn.Module]) -> bool:
    """Does the script hold modules outside these roots (a GAN's second model, made already)?"""
    main = sys.modules.get("__main__")
    inside = {id(sub) for m in roots for sub in m.modules()}
    return any(isinstance(v, nn.Module) and id(v) not in inside and any(True for _ in v.parameters()) for v in (vars(main).values() if main else ()))


def graph_leaves(root: Any) -> list[torch.Tensor]:
    """Leaf tensors (AccumulateGrad variables) reachable from a grad_fn: one graph walk."""
    leaves, seen, stack = [], set(), [root]
    while stack:
        fn = stack.pop()
        if fn is None or id(fn) in seen:
            continue
        seen.add(id(fn))
        var = getattr(fn, "variable", None)
        if isinstance(var, torch.Tensor):
            leaves.append(var)
        stack.extend(f for f, _ in getattr(fn, "next_functions", ()))
    return leaves


def orphan_names(orphans: list[torch.Tensor], roots: list[tuple[str, nn.Module]]) -> dict[int, str]:
    """Names for parameters the watched models did not hold when watching began: `fc.weight`
    of a module a watched model registers now (a head replaced after the optimizer was made),
    `blocks[2].weight` when a module keeps sub-modules in a plain list or dict attribute, else
    `<Class>.weight` of the owning module. `roots`: (name prefix, watched model)."""
    want = {id(p) for p in orphans}
    names: dict[int, str] = {}
    for prefix, root in roots:
        for n, p in root.named_parameters():
            if id(p) in want:
                names.setdefault(id(p), prefix + n)
    for prefix, root in roots:
        for path, mod in root.named_modules():
            for attr, value in vars(mod).items():
                items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, (list, tuple)) else ()
                for key, item in items:
                    if isinstance(item, nn.Module) and not attr.startswith("_"):
                        at = f"{prefix}{path + '.' if path else ''}{attr}[{key!r}]" if isinstance(key, str) else f"{prefix}{path + '.' if path else ''}{attr}[{key}]"
                        for n, p in item.named_parameters():
                            if id(p) in want:
                                names.setdefault(id(p), f"{at}.{n}")
    main = sys.modules.get("__main__")
    # The script's global models, then the models local to the functions running now (a
    # train(encoder, decoder, ...) called from main()), innermost first.
    for scope in [vars(main) if main else {}, *_script_locals()]:
        for var, value in scope.items():
            if isinstance(value, nn.Module) and not var.startswith("_"):
                for n, p in value.named_parameters():
                    if id(p) in want:
                        names.setdefault(id(p), f"{var}.{n}")
    missing = want - set(names)
    if missing:
        for o in live_modules():
            for n, p in o.named_parameters(recurse=False):
                if id(p) in missing:
                    names.setdefault(id(p), f"{type(o).__name__}.{n}")
    return names


_OURS = (os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep, os.path.dirname(torch.__file__) + os.sep)


def _script_locals() -> list[dict[str, Any]]:
    """The models local to the frames on the stack outside torchvitals and torch."""
    out = []
    frame = sys._getframe(1)
    while frame is not None:
        if not frame.f_code.co_filename.startswith(_OURS) and frame.f_code.co_name != "<module>":
            out.append({k: v for k, v in frame_locals(frame).items() if isinstance(v, nn.Module)})
        frame = frame.f_back
    return out


__all__ = ["graph_leaves", "live_modules", "orphan_names", "other_models", "owning_roots"]
