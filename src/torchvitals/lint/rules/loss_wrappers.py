"""A loss called through a thin wrapper held in a value: what TVL009 judges at the call.

Training code often keeps its losses in a registry chosen by the configuration, each entry a
lambda or a small function that adapts the signature:

    LOSSES = {"mse": lambda p, t, cfg: F.mse_loss(p, t), "huber": huber_with_delta}
    self.criterion = LOSSES[cfg.loss]
    loss = self.criterion(pred, y, self.cfg)

Inside the wrapper the prediction and the target are bare parameters: nothing there says
what shape they have. At the call they are the caller's own values. `wrapped_losses` reads
the wrapper the called value may hold (the shared evaluator says which) and returns each loss
call in it whose prediction and target are parameters the wrapper passes on untouched, with
the caller's arguments in their place; the rule judges those arguments where they stand.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from torchvitals.lint.calls import functions
from torchvitals.lint.engine import Context, arg, dotted, walk_scope
from torchvitals.lint.rules.value_reads import is_param
from torchvitals.lint.rules.values import Made, possible

# (loss kind, the caller's prediction, the caller's target)
Wrapped = tuple[str, ast.expr, ast.expr]


def wrapped_losses(ctx: Context, call: ast.Call, kind_of: Callable[[ast.Call], str | None]) -> list[Wrapped]:
    """The losses `call` computes through the one wrapper its called value holds (a lambda or a
    module-level function of this file, reached through a name, `self.x` or a registry): each
    loss call of the wrapper whose prediction and target are parameters it never rebinds, those
    parameters replaced by what `call` passes. A called function named directly is left out (its
    parameters already take what its callers pass, flow.bounds_or_args); so is a value the file
    does not show, or one that may be several wrappers."""
    name = dotted(call.func)
    if name is None or name.count(".") > (1 if name.startswith("self.") else 0) or len(call.args) < 2:
        return []
    if name in functions(ctx) or name not in ctx.values and not is_param(ctx.scope_of(call), name):
        return []
    held = possible(ctx, call.func)
    if not held or len(held) != 1:
        return []
    (value,) = held
    fn = _wrapper(ctx, value)
    if fn is None:
        return []
    passed = _passed(fn, call)
    out = []
    for inner in _loss_calls(fn):
        kind = kind_of(inner)
        pred, target = arg(inner, 0, "input"), arg(inner, 1, "target")
        if kind is None or not isinstance(pred, ast.Name) or not isinstance(target, ast.Name):
            continue
        if pred.id in passed and target.id in passed and not _rebound(fn, {pred.id, target.id}):
            out.append((kind, passed[pred.id], passed[target.id]))
    return out


def _wrapper(ctx: Context, value: object) -> ast.Lambda | ast.FunctionDef | None:
    if not isinstance(value, Made):
        return None
    node = value.node
    if isinstance(node, ast.Lambda):
        return node
    fn = functions(ctx).get(node.id) if isinstance(node, ast.Name) else None
    return fn if isinstance(fn, ast.FunctionDef) else None


def _passed(fn: ast.Lambda | ast.FunctionDef, call: ast.Call) -> dict[str, ast.expr]:
    """Each parameter of the wrapper and what the call passes for it (positions before a
    `*args`, and keywords by name)."""
    a = fn.args
    names = [p.arg for p in [*a.posonlyargs, *a.args]]
    out: dict[str, ast.expr] = {}
    for p, v in zip(names, call.args, strict=False):
        if isinstance(v, ast.Starred):
            break
        out[p] = v
    out.update({k.arg: k.value for k in call.keywords if k.arg in names})
    return out


def _loss_calls(fn: ast.Lambda | ast.FunctionDef) -> list[ast.Call]:
    if isinstance(fn, ast.Lambda):
        return [n for n in ast.walk(fn.body) if isinstance(n, ast.Call)]
    return [n for n in walk_scope(fn) if isinstance(n, ast.Call)]


def _rebound(fn: ast.Lambda | ast.FunctionDef, names: set[str]) -> bool:
    """A parameter the wrapper assigns before its loss (`p = p.squeeze(-1)`) is no longer what the caller passed."""
    if isinstance(fn, ast.Lambda):
        return False
    return any(isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id in names for n in walk_scope(fn))
