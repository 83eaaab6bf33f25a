"""TVL006 through parameter groups and optimizer builders: the same parameters handed to an
optimizer twice. modules.py reports what these find (it owns the rule's page).

    Adam([{"params": model.parameters()}, {"params": model.head.parameters(), "lr": 1e-4}])
    shared = list(model.proj.parameters())
    opt_a = make_optimizer([model.tower_a], shared)     # `shared` goes to both optimizers
    opt_b = make_optimizer([model.tower_b], shared)

Only whole-module groups count (`X.parameters()` as the group, not a filtered comprehension):
a weight-decay split filters one module into two groups that never share a parameter."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import bind, functions
from torchvitals.lint.engine import Context, callee, method, receiver, walk_scope


def _whole(expr: ast.AST | None) -> str | None:
    """`X.parameters()` or `list(X.parameters())`: the module X whose every parameter it holds."""
    if isinstance(expr, ast.Call) and callee(expr) == "list" and len(expr.args) == 1:
        expr = expr.args[0]
    if isinstance(expr, ast.Call) and method(expr) == "parameters" and not expr.args:
        return receiver(expr)
    return None


def _inside(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".")


def overlapping_groups(ctor: ast.Call) -> tuple[str, str] | None:
    """Two parameter groups of one optimizer constructor where one holds all of a module and the
    other a part of it (or the same module): (whole, part)."""
    groups = ctor.args[0] if ctor.args and isinstance(ctor.args[0], (ast.List, ast.Tuple)) else None
    if groups is None:
        return None
    held = []
    for g in groups.elts:
        if isinstance(g, ast.Dict):
            params = next((v for k, v in zip(g.keys, g.values, strict=True) if isinstance(k, ast.Constant) and k.value == "params"), None)
            if (m := _whole(params)) is not None:
                held.append(m)
    for i, a in enumerate(held):
        for b in held[i + 1 :]:
            if _inside(b, a) or _inside(a, b):
                return (a, b) if _inside(b, a) else (b, a)
    return None


def shared_builder_argument(ctx: Context, calls: list[tuple[str, ast.Call]]) -> tuple[str, str, str] | None:
    """Two optimizers built by calls to a builder of this file (`make_optimizer(mods, extra)`)
    that pass the same name, bound to parameters (`shared = list(m.proj.parameters())`), to a
    parameter the builder reads: (first optimizer, second, the shared name)."""
    funcs = functions(ctx)
    seen: dict[str, str] = {}
    for target, call in calls:
        fn = funcs.get(callee(call))
        if fn is None:
            continue
        read = {n.id for n in walk_scope(fn) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for param, name in bind(fn, call, skip_self=False):
            if param not in read or "." in name or not _holds_parameters(ctx, name):
                continue
            if name in seen and seen[name] != target:
                return seen[name], target, name
            seen.setdefault(name, target)
    return None


def _holds_parameters(ctx: Context, name: str) -> bool:
    """Every value of `name` reads some module's `.parameters()` (or a parameter attribute)."""
    vals = ctx.values.get(name, [])
    return bool(vals) and all(any(isinstance(n, ast.Call) and method(n) == "parameters" for n in ast.walk(v)) for v in vals)

