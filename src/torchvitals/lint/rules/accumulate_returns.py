"""TVL012 across a call: a step function (of this file) backpropagates its loss and returns the
live tensor, and the loop that calls it keeps what it returns: `total += train_step(b)`,
`l, acc = train_step(b); total += l`, `history.append(train_step(b))` of a record holding the
loss, or every entry of a returned dict summed into an epoch log. Each step's graph is then kept
as surely as if the step's body were written inline in the loop."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import resolve
from torchvitals.lint.engine import (
    Context,
    callee,
    dotted,
    is_nograd_with,
    method,
    targets_of,
    walk_scope,
)
from torchvitals.lint.rules.accumulate import (
    _acc_name,
    _backwarded_later,
    _called_method,
    _self_sum,
)
from torchvitals.lint.rules.accumulate_dicts import (
    _iterated_dict,
    _reset_each_iteration,
    _sums_of_entries,
)
from torchvitals.lint.rules.flow import Bound, reaching
from torchvitals.lint.rules.loops import LOSS_ACCUM
from torchvitals.lint.syntax import walk


def check_returned_loss_accum(ctx: Context) -> None:
    """`running = running + train_step(model, opt, batch)` in a loop, where `train_step` (a
    function or method of this file) backpropagates its loss and returns that tensor (bare, or
    as the "loss" entry of a dict; summed directly or through a name bound to the result): the
    caller sums graph-holding tensors, exactly as if the step's body were written inline."""
    if "return" not in ctx.text or not ctx.backwards:
        return
    for acc, added, whole in _additions(ctx):
        value = _step_result(ctx, added, whole)
        if value is None or not ctx.loops_around(added) or not ctx.loops_around(value):
            continue
        loop = ctx.loops_around(value)[0]
        if any(acc in targets_of(a) for a in walk_scope(loop) if isinstance(a, ast.Assign) and _self_sum(a) is None):
            continue  # reset every iteration: nothing piles up
        if any(is_nograd_with(a) for a in [*ctx.ancestors(value), *ctx.ancestors(added)]) or _backwarded_later(ctx, acc):
            continue
        ctx.report(LOSS_ACCUM, added, f"`{acc}` accumulates what `{callee(value)}` returns, a loss tensor it "
                   "backpropagated, with its autograd graph: every step's graph stays in memory (return "
                   "`loss.item()` or `loss.detach()`)")  # fmt: skip


def _additions(ctx: Context) -> list[tuple[str, ast.expr, bool]]:
    """(accumulator, what is added, whether it is kept whole): `acc += v`, `acc = acc + v`,
    `acc.append(v)` (the appended value is kept as it is, a record and all)."""
    out = []
    for n in walk(ctx.tree):
        if isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add) and (acc := _acc_name(n.target)):
            out.append((acc, n.value, False))
        elif isinstance(n, ast.Assign) and (right := _self_sum(n)) is not None:
            out.append((_acc_name(n.targets[0]) or "", right, False))
        elif isinstance(n, ast.Call) and method(n) == "append" and len(n.args) == 1 and (acc := _acc_name(n.func.value)):  # type: ignore[attr-defined]
            out.append((acc, n.args[0], True))
    return out


def _step_result(ctx: Context, added: ast.expr, whole: bool = False) -> ast.Call | None:
    """The call of a step function whose backpropagated loss `added` is: the call itself
    (`total += train_step(b)`), a name bound to it in the loop (`l = train_step(b)`; `total += l`),
    one name unpacked from the tuple it returns (`l, acc = train_step(b)`), its result's "loss"
    entry (`out = train_step(b)`; `total += out["loss"] * out["n"]`), or, for a value kept whole
    (`history.append(train_step(b))`), a result holding the loss among others."""
    if isinstance(added, ast.BinOp) and isinstance(added.op, (ast.Mult, ast.Div)):
        return _step_result(ctx, added.left) or _step_result(ctx, added.right)
    key: str | int | None = None
    if isinstance(added, ast.Subscript) and isinstance(added.slice, ast.Constant) and isinstance(added.slice.value, str):
        key, added = added.slice.value, added.value
    if isinstance(added, ast.Name):
        b = reaching(ctx, added.id, added)
        if isinstance(b, Bound) and not b.loop and len(b.index) == 1 and key is None:
            key = b.index[0]  # l, acc = train_step(b)
        added = b.value if isinstance(b, Bound) and len(b.index) <= 1 and not b.loop else None  # type: ignore[assignment]
    if isinstance(added, ast.Call) and _returns_backed_loss(ctx, added, key, whole and key is None):
        return added
    return None


def _returns_backed_loss(ctx: Context, call: ast.Call, key: str | int | None = None, held: bool = False) -> bool:
    """The call runs a function of this file that backpropagates a loss name and returns that
    name on every return that is not a constant: bare (`loss.backward(); ...; return loss`), under `key` of every
    returned dict (`return {"loss": loss, "n": n}`), at position `key` of every returned tuple
    (`return loss, correct`), or, with `held`, anywhere in a returned dict or tuple (a record that
    keeps the loss)."""
    t = resolve(ctx, call)
    fn = t.fn if t is not None else _called_method(ctx, call)  # runner.step(x, y) with `runner` a parameter
    if fn is None:
        return False
    own = [b for b in ctx.backwards if ctx.scope_of(b) is fn]
    backed = {d for b in own if (d := dotted(ctx.loss_expr(b)))}
    first = min((b.lineno for b in own), default=0)
    rebound = {k for n in walk_scope(fn) if isinstance(n, (ast.Assign, ast.AugAssign)) and n.lineno > first for k in targets_of(n)}
    backed -= rebound  # `loss = loss.item()` after backward: a float goes back
    # `if len(buffer) < batch: return None` (or `return 0.0`) before the update: an early exit
    # that hands back no graph (the caller tests `if loss is not None`); the other returns decide
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and not _nothing(r.value)]
    if isinstance(key, str):
        rets = [_dict_entry(r, key) for r in rets]
    elif isinstance(key, int):
        rets = [r.elts[key] if isinstance(r, ast.Tuple) and key < len(r.elts) and not _starred(r) else None for r in rets]
    elif held:
        return bool(backed) and bool(rets) and all(any(_names_in(x, backed) for x in _parts(r)) for r in rets)
    return bool(backed) and bool(rets) and all(_names_in(r, backed) for r in rets)


def _nothing(r: ast.expr | None) -> bool:
    """A bare `return`, `return None` or a constant (`return 0.0` while the buffer fills): no graph."""
    return r is None or isinstance(r, ast.Constant)


def _names_in(r: ast.expr | None, backed: set[str]) -> bool:
    return isinstance(r, ast.Name) and r.id in backed


def _parts(r: ast.expr | None) -> list[ast.expr | None]:
    """A returned value and, for a dict or tuple literal, its values."""
    if isinstance(r, ast.Dict):
        return [r, *r.values]
    return [r, *r.elts] if isinstance(r, ast.Tuple) else [r]


def _starred(t: ast.Tuple) -> bool:
    return any(isinstance(e, ast.Starred) for e in t.elts)


def _dict_entry(value: ast.expr | None, key: str) -> ast.expr | None:
    """`value[key]` of a dict literal `{"loss": loss, ...}`; None for anything else."""
    if not isinstance(value, ast.Dict):
        return None
    return next((v for k, v in zip(value.keys, value.values, strict=True) if isinstance(k, ast.Constant) and k.value == key), None)


def check_returned_dict_accum(ctx: Context) -> None:
    """`out = train_step(model, opt, x, y)` in a loop, where the step (a function or method of
    this file) backpropagates its loss and returns it as one value of a dict (`return {"loss":
    loss, "bce": bce}`), and the loop then adds every entry of `out` into a log that outlives the
    iteration (`for k, v in out.items(): stats[k] += v * bs`): the log holds each step's graph,
    exactly as if the step's body were written inline."""
    if not ctx.backwards or ".items()" not in ctx.text and ".values()" not in ctx.text:
        return
    for n in walk(ctx.tree):
        if not isinstance(n, (ast.For, ast.AsyncFor)) or (d := _iterated_dict(n)) is None or "." in d:
            continue
        b = reaching(ctx, d, n)
        call = b.value if isinstance(b, Bound) and not b.index and not b.loop else None
        loops = ctx.loops_around(call) if isinstance(call, ast.Call) else []
        if not loops or loops[0] not in ctx.loops_around(n) or not _returns_backed_entry(ctx, call):  # type: ignore[arg-type]
            continue
        reset = _reset_each_iteration(loops[0])
        for acc in _sums_of_entries(n):
            if acc.partition("[")[0].partition(".")[0] in reset or _backwarded_later(ctx, acc):
                continue
            if any(is_nograd_with(a) for a in ctx.ancestors(n)):
                continue
            ctx.report(LOSS_ACCUM, n, f"`{acc}` adds up every entry of what `{dotted(call.func)}` returns, a dict "  # type: ignore[union-attr]
                       "holding the loss tensor it backpropagated, with its autograd graph: every step's graph "
                       "stays in memory (return `loss.item()` / `loss.detach()` values)")  # fmt: skip


def _returns_backed_entry(ctx: Context, call: ast.Call) -> bool:
    """Some key of the dicts the called function returns holds, on every return, the loss it
    backpropagated."""
    t = resolve(ctx, call)
    fn = t.fn if t is not None else _called_method(ctx, call)
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return)] if fn is not None else []
    first = rets[0] if rets else None
    keys = [k.value for k in first.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)] if isinstance(first, ast.Dict) else []
    return any(_returns_backed_loss(ctx, call, k) for k in keys)


CHECKS = [check_returned_loss_accum, check_returned_dict_accum]
