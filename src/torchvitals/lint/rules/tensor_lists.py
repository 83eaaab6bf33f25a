"""Arrays built step by step, for the tag tracer of TVL009 (tensor_tags.py).

A rollout or a hand-written metric loop rarely builds its targets in one call: it appends one
number per step to a Python list (`values.append(v.item())`, then `np.array(values)`), or fills
a preallocated buffer in place (`adv = np.zeros(T)`, then `adv[t] = gae` in a loop). Both are
1-D arrays of data. A constant fill alone (`torch.ones(n)`) proves nothing (broadcasting a
constant target is harmless), but one the function then writes into is no constant.

Only what the function itself shows is judged: a list handed to any call other than a
conversion or a reduction may be grown elsewhere, and an appended value that is not proved one
number (a row, an array) proves nothing."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

from torchvitals.lint.engine import Context, callee, dotted, last, method, walk_scope
from torchvitals.lint.rules.batch_items import one_number
from torchvitals.lint.rules.method_args import bounds_through_methods
from torchvitals.lint.rules.tensor_columns import helper_returns, method_returns, self_as
from torchvitals.lint.rules.tensor_facts import CONSTANT_FILLS, MAX_DEPTH, ONE_D, _scalar, _unpacked

# Calls a list of numbers may be handed to without being grown: conversions and reductions.
READS = {"array", "asarray", "tensor", "as_tensor", "stack", "len", "sum", "mean", "max", "min", "float", "std"}


def appended_numbers(ctx: Context, name: ast.Name, depth: int) -> bool:
    """`buf = []` (alone or in a tuple of empty lists), then only `buf.append(x)` with x one
    number, in the function that reads `buf`: converted, it is a 1-D array."""
    bs = bounds_through_methods(ctx, name.id, name)
    if not bs or len(bs) != 1 or bs[0].loop or depth > MAX_DEPTH:
        return False
    empty = _unpacked(bs[0].value, bs[0].index) if bs[0].index else bs[0].value
    if not (isinstance(empty, ast.List) and not empty.elts):
        return False
    scope = ctx.scope_of(name)
    added = 0
    for n in walk_scope(scope):
        if not (isinstance(n, ast.Name) and n.id == name.id and isinstance(n.ctx, ast.Load)):
            continue
        use = ctx.parent.get(n)
        if isinstance(use, ast.Attribute) and use.attr == "append":
            call = ctx.parent.get(use)
            if not (isinstance(call, ast.Call) and len(call.args) == 1 and _number(ctx, call.args[0], depth + 1)):
                return False
            added += 1
        elif isinstance(use, ast.Subscript) and use.value is n and isinstance(use.ctx, ast.Load):
            continue  # `vals[t + 1]` reads one of the numbers: the list is unchanged
        elif not (isinstance(use, ast.Call) and n in use.args and last(callee(use)) in READS):
            return False  # handed on, written by position, extended: not proved a list of numbers
    return added > 0


def _number(ctx: Context, e: ast.expr, depth: int) -> bool:
    """One Python number: `v.item()`, `float(r)`, `-float(...)`, a name bound to one, or unpacked
    from what a helper or a method of this file returns (`_, logp, v = agent.act(obs)`)."""
    if one_number(e) or _scalar(ctx, e, depth) or _element(ctx, e, depth):
        return True
    if not isinstance(e, ast.Name) or depth > MAX_DEPTH:
        return False
    bs = bounds_through_methods(ctx, e.id, e)
    return bool(bs) and all(not b.loop and len(b.index) == 1 and _returned_number(ctx, b.value, b.index[0], depth + 1) for b in bs)


def _element(ctx: Context, e: ast.expr, depth: int) -> bool:
    """`series[t + window]`: one position (not a slice, not a tuple of them) of an array the
    tracer proves 1-D is one number (a next-step target read off a normalised series)."""
    if not isinstance(e, ast.Subscript) or isinstance(e.slice, (ast.Slice, ast.Tuple)) or depth > MAX_DEPTH:
        return False
    if isinstance(e.slice, ast.Constant) and not isinstance(e.slice.value, int):
        return False  # `row["price"]`: a column of a table, not a position
    return _tags is not None and ONE_D in _tags(ctx, e.value, depth + 1)


# tensor_tags.tags, which reads lists through this module: it registers itself here when it is
# imported (`tags_with`), so that this module does not import it back.
_tags: Callable[..., Any] | None = None


def tags_with(tags: Callable[..., Any]) -> None:
    global _tags
    _tags = tags


def _returned_number(ctx: Context, value: ast.expr, at: int, depth: int) -> bool:
    """Element `at` of every tuple a helper or method call returns is one number."""
    if not isinstance(value, ast.Call):
        return False
    rets = helper_returns(ctx, value)
    if rets:
        return all(isinstance(r, ast.Tuple) and at < len(r.elts) and _number(ctx, r.elts[at], depth) for r in rets)
    found = method_returns(ctx, value)
    if not found:
        return False
    rets, owner, cls = found
    with self_as(ctx, owner, cls):
        return all(isinstance(r, ast.Tuple) and at < len(r.elts) and _number(ctx, r.elts[at], depth) for r in rets)


def filled_in_place(ctx: Context, name: ast.AST, value: ast.expr) -> bool:
    """`buf = np.zeros(T)` (a constant fill of a torch/numpy module) that the function reading
    `buf` then writes values into by position (`buf[t] = gae`, `buf[t] += r`): data, not a
    constant. A number written in (`y[:] = 0.9`, `y[t] += 1`) proves nothing: the first such
    write decides."""
    if not (isinstance(value, ast.Call) and last(callee(value)) in CONSTANT_FILLS and callee(value).split(".")[0] in ("torch", "np", "numpy")):
        return False
    key = dotted(name)
    for n in walk_scope(ctx.scope_of(name)):
        targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AugAssign) else []
        if any(isinstance(t, ast.Subscript) and dotted(t.value) == key for t in targets):
            return not _constant(n.value)  # type: ignore[attr-defined]  # `y[:] = 0.9`: still a constant
        if isinstance(n, ast.Call) and method(n) in ("copy_", "index_copy_", "scatter_") and dotted(n.func.value) == key:  # type: ignore[attr-defined]
            return True
    return False


def _constant(e: ast.expr) -> bool:
    if isinstance(e, ast.UnaryOp):
        e = e.operand
    return isinstance(e, ast.Constant)
