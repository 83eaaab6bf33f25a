"""Following calls within one file: which function a call runs, and what that function does.

Rules see one function at a time; real code splits the training loop over methods and helpers
(`self.optimizer_step()`, `validate(model, loader)`, `model(x)` running a class's `forward`).
`resolve` names the function a call runs when the source proves it, and nothing otherwise:
  - `helper(...)`: a function defined at module level (not a nested or rebound name);
  - `self.method(...)` inside a class: that class's own method;
  - `obj(...)` / `obj.forward(...)` where `obj` holds an instance of a module class of this file:
    that class's `forward`.
A model passed in as an argument is followed only by the argument's name; `getattr`, another
module's function, a method of an unknown object are never followed. `effects` summarises what
a function does, its callees included (DEPTH deep, memoised per function: linear in the file).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass, field

from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_const,
    method,
    receiver,
    targets_of,
    walk_scope,
)

DEPTH = 3
FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Target:
    """A resolved call: the function it runs, what `self` is inside it (a dotted name in the
    caller, or None), and each parameter bound to a dotted name of the caller."""

    fn: ast.FunctionDef | ast.AsyncFunctionDef
    self_key: str | None
    params: tuple[tuple[str, str], ...] = ()

    def rename(self, key: str | None) -> str | None:
        """A dotted name inside the function, as the caller names it (None: no caller name)."""
        if not key:
            return None
        head, _, rest = key.partition(".")
        if head == "self":
            new = self.self_key
        else:
            new = dict(self.params).get(head)
            if new is None:
                return None if _is_param(self.fn, head) else key  # an unbound parameter: unknown
        return f"{new}.{rest}" if new and rest else new


@dataclass
class Effects:
    """What a function does, its resolvable callees included; names as the function says them."""

    evals: set[str] = field(default_factory=set)  # receivers of `.eval()` / `.train(False)`
    trains: set[str] = field(default_factory=set)  # receivers of `.train()`
    clears: bool = False  # zero_grad() or `.grad = None`
    steps: set[str] = field(default_factory=set)  # optimizers stepped
    backward: bool = False


def _is_param(fn: ast.AST, name: str) -> bool:
    a = fn.args  # type: ignore[attr-defined]
    return any(p.arg == name for p in [*a.posonlyargs, *a.args, *a.kwonlyargs])


def _index(ctx: Context) -> tuple[dict[str, ast.AST], dict[str, dict[str, ast.AST]]]:
    """(module-level functions by name, each class's methods by name), built once per file.
    A name bound twice at module level (two defs, or a def and an assignment) is not indexed."""
    hit = ctx.memo.get("calls_index")
    if hit is None:
        funcs: dict[str, ast.AST] = {}
        twice: set[str] = set(ctx.values)
        for n in ctx.tree.body:
            if isinstance(n, FUNCS):
                if n.name in funcs:
                    twice.add(n.name)
                funcs[n.name] = n
        methods = {c.name: {m.name: m for m in c.body if isinstance(m, FUNCS)} for c in ctx.classes}
        hit = ctx.memo["calls_index"] = ({k: v for k, v in funcs.items() if k not in twice}, methods)
    return hit


def enclosing_class(ctx: Context, node: ast.AST) -> ast.ClassDef | None:
    """The class whose method holds `node` (directly: a method, not a function nested in one)."""
    fn = ctx.scope_of(node)
    par = ctx.parent.get(fn) if isinstance(fn, FUNCS) else None
    return par if isinstance(par, ast.ClassDef) else None


def resolve(ctx: Context, call: ast.Call) -> Target | None:
    """The function this call runs, when the file proves it; else None."""
    funcs, methods = _index(ctx)
    func = call.func
    if isinstance(func, ast.Name):
        fn = funcs.get(func.id)
        if fn is not None:
            return Target(fn, None, _bind(fn, call, skip_self=False))  # type: ignore[arg-type]
        cls = ctx.modules.get(func.id)
        return _forward(ctx, methods, cls, func.id, call)
    recv, m = receiver(call), method(call)
    if recv == "self":
        cls = enclosing_class(ctx, call)
        fn = methods.get(cls.name, {}).get(m) if cls is not None else None
        if fn is not None and m != "forward":
            return Target(fn, "self", _bind(fn, call, skip_self=True))  # type: ignore[arg-type]
        return None
    key = recv if m == "forward" else callee(call)
    return _forward(ctx, methods, ctx.modules.get(key or ""), key, call)


def _forward(ctx: Context, methods: dict, cls: str | None, key: str | None, call: ast.Call) -> Target | None:
    fn = methods.get(cls or "", {}).get("forward")
    if fn is None or not key:
        return None
    return Target(fn, key, _bind(fn, call, skip_self=True))


def _bind(fn: ast.AST, call: ast.Call, skip_self: bool) -> tuple[tuple[str, str], ...]:
    """Parameters bound to a dotted name of the caller (positional and keyword)."""
    a = fn.args  # type: ignore[attr-defined]
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    if skip_self and names and names[0] in ("self", "cls"):
        names = names[1:]
    out = []
    for i, v in enumerate(call.args):
        if isinstance(v, ast.Starred):
            break
        if i < len(names) and (d := dotted(v)):
            out.append((names[i], d))
    for k in call.keywords:
        if k.arg and (d := dotted(k.value)):
            out.append((k.arg, d))
    return tuple(out)


def effects(ctx: Context, fn: ast.AST, depth: int = 0) -> Effects:
    """What `fn` does, its resolvable callees followed DEPTH deep (memoised per function)."""
    memo = ctx.memo.setdefault("effects", {})
    hit = memo.get(id(fn))
    if hit is not None and hit[0] is fn and hit[1] <= depth:
        return hit[2]
    memo[id(fn)] = (fn, depth, Effects())  # a recursive call sees nothing more
    out = effects_of(ctx, walk_scope(fn), depth)
    memo[id(fn)] = (fn, depth, out)
    return out


def effects_of(ctx: Context, nodes: Iterable[ast.AST], depth: int = 0) -> Effects:
    """Effects of some nodes (a loop's body, a function's), resolvable calls in them followed."""
    out = Effects()
    for n in nodes:
        if isinstance(n, (ast.Assign, ast.AugAssign)):
            out.clears |= any(t.endswith(".grad") or t == "grad" for t in targets_of(n))
            continue
        if not isinstance(n, ast.Call):
            continue
        m, recv = method(n), receiver(n)
        if m == "eval" and not n.args or m == "train" and n.args and is_const(n.args[0], False):
            out.evals.add(recv or "")
        elif m == "train" and recv:
            out.trains.add(recv)
        elif "zero_grad" in (m or callee(n)) or (m == "zero_" and "grad" in (recv or "")):
            out.clears = True
        if n in ctx.backwards:
            out.backward = True
        opt = ctx.optimizer_step(n)
        if opt:
            out.steps.add(opt)
        if depth < DEPTH:
            t = resolve(ctx, n)
            if t is not None:
                _merge(out, effects(ctx, t.fn, depth + 1), t)
    out.evals.discard("")
    return out


def _merge(out: Effects, inner: Effects, t: Target) -> None:
    out.clears |= inner.clears
    out.backward |= inner.backward
    out.evals |= {k for e in inner.evals if (k := t.rename(e))}
    out.trains |= {k for e in inner.trains if (k := t.rename(e))}
    out.steps |= {k for e in inner.steps if (k := t.rename(e))}
