"""Parameter naming: buckets (module path prefixes) and the short names of seed 001's lines;
the names a script's own variables give its objects."""

from __future__ import annotations

import sys
from typing import Any

# Wrapper prefixes that say nothing about the model (DDP, torch.compile, FSDP).
_WRAPPERS = ("module.", "_orig_mod.", "_fsdp_wrapped_module.")


def bare_tensor_name(opt: int, group: int, i: int) -> str:
    """The name of a tensor an optimizer holds that belongs to no watched module (an input
    image optimized through a fixed network, a latent code)."""
    return f"opt{opt}.group{group}.param{i}"


def is_bare_tensor(name: str) -> bool:
    """Whether `name` is one bare_tensor_name gives."""
    head, _, rest = name.partition(".group")
    return head.startswith("opt") and head[3:].isdigit() and ".param" in rest


def strip_wrappers(name: str) -> str:
    changed = True
    while changed:
        changed = False
        for w in _WRAPPERS:
            if name.startswith(w):
                name, changed = name[len(w) :], True
    return name


def unwrap_compiled(model: Any) -> Any:
    """The module `torch.compile(model)` wrapped (its OptimizedModule keeps it as `_orig_mod`),
    so that a compiled model's parameters and modules have the names the model has; anything
    else as it is. Recognised by name: importing torch._dynamo would cost seconds at start-up."""
    while type(model).__name__ == "OptimizedModule" and hasattr(model, "_orig_mod"):
        model = model._orig_mod
    return model


def bucket_of(name: str, depth: int) -> str:
    """The module path prefix of `depth` components; a parameter of the root module is `root`."""
    parts = strip_wrappers(name).split(".")[:-1]
    return ".".join(parts[:depth]) if parts else "root"


def prefixes(name: str) -> list[str]:
    """`a`, `a.b`, `a.b.c` for `a.b.c`: the module paths leading to a parameter, then its name."""
    parts = name.split(".")
    return [".".join(parts[:j]) for j in range(1, len(parts) + 1)]


def buckets_for(names: list[str], depth: int) -> list[str]:
    """Bucket each name; deepen automatically while everything lands in one bucket (a model
    wrapped in a single container would otherwise show one useless bucket)."""
    d = depth
    out = [bucket_of(n, d) for n in names]
    max_depth = max((len(strip_wrappers(n).split(".")) - 1 for n in names), default=0)
    while len(set(out)) == 1 and len(names) > 1 and d < max_depth:
        d += 1
        out = [bucket_of(n, d) for n in names]
    return out


def short_names(names: list[str], segments: int = 2) -> list[str]:
    """Last `segments` components of each name, lengthened until the short names are unique. A
    container's index is no component of its own: `discriminator.model.4.weight` is
    `model.4.weight`, not `4.weight`."""
    parts = [strip_wrappers(n).split(".") for n in names]
    k = [_last_named(p, segments) for p in parts]
    while True:
        short = [".".join(p[-j:]) for p, j in zip(parts, k, strict=True)]
        seen: dict[str, list[int]] = {}
        for i, s in enumerate(short):
            seen.setdefault(s, []).append(i)
        clashes = [i for idx in seen.values() if len(idx) > 1 for i in idx if k[i] < len(parts[i])]
        if not clashes:
            return short
        for i in clashes:
            k[i] += 1


def _last_named(parts: list[str], segments: int) -> int:
    """How many of the last components hold `segments` that are not indices (all, if fewer)."""
    named = 0
    for j, part in enumerate(reversed(parts), start=1):
        named += not part.isdigit()
        if named == segments:
            return j
    return len(parts)


def compact(names: list[str], limit: int = 6) -> str:
    """`a, b, c and 4 more` for messages."""
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit]) + f" and {len(names) - limit} more"


def variable_name(obj: Any) -> str | None:
    """The name the script's __main__ gives `obj` (`generator`, `train_loader`), if any."""
    main = sys.modules.get("__main__")
    for name, value in (vars(main).items() if main else ()):
        if value is obj and not name.startswith("_"):
            return name
    return None


def named_roots(roots: list[Any]) -> list[tuple[str, Any]]:
    """Each model with the script's variable name for it (else its class name, lower-cased)."""
    return [(variable_name(m) or type(m).__name__.lower(), m) for m in roots]


def describe(named: list[tuple[str, Any]]) -> str:
    """`name (Class, N parameters)` for each model, for the line that says what is watched."""
    if not named:
        return "parameters of no module"
    return ", ".join(f"{name} ({_kind(m)}, {sum(p.numel() for p in m.parameters()):,} parameters)" for name, m in named)


def _kind(model: Any) -> str:
    """A model's class; for a torch.compile'd one, the class it compiled (`DistributedDataParallel,
    compiled`), not torch's OptimizedModule."""
    inner = unwrap_compiled(model)
    return type(model).__name__ if inner is model else f"{type(inner).__name__}, compiled"


def unnamed_loader(loader: Any, n: int) -> str:
    """What a DataLoader the script never named (a framework made it) is called: its place
    among the loaders and what it reads ("DataLoader 2 over Dataset")."""
    ds = getattr(loader, "dataset", None)
    return f"DataLoader {n + 1}" + (f" over {type(ds).__name__}" if ds is not None else "")
