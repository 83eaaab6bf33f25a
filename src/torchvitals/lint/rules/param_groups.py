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



def name_filtered_only(ctx: Context, ctor: ast.Call) -> tuple[str, str] | None:
    """The optimizer's only parameters are one model's `named_parameters()` kept by a name test
    (`[p for n, p in model.named_parameters() if n.startswith("classifier")]`): (the model, the
    name tested for). The caller checks that nothing is frozen and no other optimizer exists."""
    first = ctor.args[0] if ctor.args else next((k.value for k in ctor.keywords if k.arg == "params"), None)
    if isinstance(first, ast.Name):
        vals = ctx.values.get(first.id, [])
        first = vals[0] if len(vals) == 1 else None
    if not (isinstance(first, ast.ListComp) and len(first.generators) == 1):
        return None
    gen = first.generators[0]
    it, tgt = gen.iter, gen.target
    if not (isinstance(it, ast.Call) and method(it) == "named_parameters" and receiver(it)):
        return None
    if not (isinstance(tgt, ast.Tuple) and len(tgt.elts) == 2 and isinstance(tgt.elts[0], ast.Name)) or len(gen.ifs) != 1:
        return None
    word = _kept_by_name(gen.ifs[0], tgt.elts[0].id)
    return (receiver(it), word) if word else None  # type: ignore[return-value]


def _kept_by_name(test: ast.AST, name: str) -> str | None:
    """`name.startswith("head")` or `"head" in name`: the word a parameter's name must hold."""
    if isinstance(test, ast.Call) and method(test) == "startswith" and dotted_is(test, name) and test.args:
        arg = test.args[0]
        return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.In):
        left, right = test.left, test.comparators[0]
        if isinstance(left, ast.Constant) and isinstance(left.value, str) and isinstance(right, ast.Name) and right.id == name:
            return left.value
    return None


def dotted_is(call: ast.Call, name: str) -> bool:
    return isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name) and call.func.value.id == name
