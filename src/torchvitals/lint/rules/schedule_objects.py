"""TVL007 through objects: a method that steps `self.scheduler` (a trainer's, a hook's) run once
per batch, with the scheduler the object was constructed with an epoch schedule.

    class LRHook:                                   # detectron2 / mmcv / OpenNMT style
        def __init__(self, scheduler): self.scheduler = scheduler
        def after_step(self): self.scheduler.step()
    for epoch in ...:
        for batch in loader:
            ...
            for h in hooks: h.after_step()          # per batch

The schedule is what every construction of the class passes for that parameter: a name bound to
a scheduler constructor, or a call to a function of this file that returns one."""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.calls import enclosing_class, functions
from torchvitals.lint.engine import (
    SCHEDULER_CLASSES,
    Context,
    callee,
    dotted,
    last,
    method,
    receiver,
    walk_scope,
)

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)


def per_batch_object_step(ctx: Context, step: ast.Call, epoch_ctor: Callable[[str, ast.Call], bool]) -> str | None:
    """The scheduler class when `step` (`self.<attr>.step()` in a method with no loop of its
    own) steps an epoch schedule once per batch; else None."""
    recv = receiver(step) or ""
    cls = enclosing_class(ctx, step)
    fn = ctx.scope_of(step)
    if cls is None or not recv.startswith("self.") or recv.count(".") != 1 or not isinstance(fn, FUNCS):
        return None
    if not any(_per_batch(ctx, c) for c in ctx.calls if method(c) == fn.name and _calls_into(ctx, c, cls)):
        return None
    for call in _schedules_given(ctx, cls, recv[5:]):
        name = last(callee(call))
        if name in SCHEDULER_CLASSES and epoch_ctor(name, call):
            return name
    return None


def _calls_into(ctx: Context, call: ast.Call, cls: ast.ClassDef) -> bool:
    """`self.m()` inside the class, or `x.m()` outside it (a hook list, a trainer instance)."""
    r = receiver(call)
    return r != "self" or enclosing_class(ctx, call) is cls


def _per_batch(ctx: Context, call: ast.Call) -> bool:
    """Inside two loops, not counting a loop over the objects themselves (`for h in hooks: h.m()`)."""
    r = receiver(call)
    loops = [lp for lp in ctx.loops_around(call) if not (isinstance(lp, ast.For) and dotted(lp.target) == r)]
    return len(loops) >= 2


def _schedules_given(ctx: Context, cls: ast.ClassDef, attr: str) -> list[ast.Call]:
    """Scheduler constructor calls that constructions of `cls` pass to the `__init__` parameter
    stored as `self.<attr>`."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    param = stored_param(init, attr) if init is not None else None
    if param is None:
        return []
    names = [p.arg for p in [*init.args.posonlyargs, *init.args.args]][1:]  # type: ignore[union-attr]
    out: list[ast.Call] = []
    for c in ctx.calls:
        if last(callee(c)) != cls.name:
            continue
        i = names.index(param) if param in names else -1
        given = c.args[i] if 0 <= i < len(c.args) else next((k.value for k in c.keywords if k.arg == param), None)
        out += _scheduler_ctors(ctx, given)
    return out


def stored_param(init: ast.FunctionDef, attr: str) -> str | None:
    """The parameter `__init__` stores as `self.<attr>` (plain or tuple assignment)."""
    for n in walk_scope(init):
        if not isinstance(n, ast.Assign) or len(n.targets) != 1:
            continue
        t, v = n.targets[0], n.value
        pairs = zip(t.elts, v.elts, strict=False) if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) else [(t, v)]
        for tt, vv in pairs:
            if dotted(tt) == f"self.{attr}" and isinstance(vv, ast.Name):
                return vv.id
    return None


def _scheduler_ctors(ctx: Context, expr: ast.AST | None) -> list[ast.Call]:
    """The scheduler constructor calls an argument stands for: a name's values, or the returns
    of a function of this file it calls."""
    if isinstance(expr, ast.Name):
        return [v for v in ctx.values.get(expr.id, []) if isinstance(v, ast.Call) and last(callee(v)) in SCHEDULER_CLASSES]
    if isinstance(expr, ast.Call):
        if last(callee(expr)) in SCHEDULER_CLASSES:
            return [expr]
        fn = functions(ctx).get(callee(expr))
        if fn is not None:
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and isinstance(r.value, ast.Call)]
            return [r for r in rets if last(callee(r)) in SCHEDULER_CLASSES]
    return []
