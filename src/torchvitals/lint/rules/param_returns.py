"""TVL006: the parameters an optimizer is given come from a helper of the file that returns
different parameters by a setting (`return [{"params": model.head.parameters()}]` when
`cfg["finetune"] == "linear"`, every parameter otherwise). The caller's arguments, read by the
shared evaluator, decide which return runs: only the models of the returns that may run are
what the optimizer updates. A return the evaluator cannot rule out still counts, and a return
whose parameters are not known by their models makes the whole answer unknown (an empty set)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import may_resolve, resolve
from torchvitals.lint.engine import Context, dotted, kwarg, method, receiver, walk_scope
from torchvitals.lint.rules.values import Env, call_env, truth
from torchvitals.lint.syntax import walk


def appended(ctx: Context, scope: ast.AST, expr: ast.AST) -> set[str]:
    """`decay, no_decay = [], []` filled in `for n, p in model.head.named_parameters():
    (no_decay if p.ndim <= 1 else decay).append(p)`: the models whose parameters the lists
    that `expr` reads are filled from, in `scope`."""
    names = {n.id for n in walk(expr) if isinstance(n, ast.Name)}
    out: set[str] = set()
    for loop in walk_scope(scope) if names else ():
        if not (isinstance(loop, ast.For) and isinstance(loop.iter, ast.Call) and method(loop.iter) in ("parameters", "named_parameters")):
            continue
        for n in walk(loop):
            if isinstance(n, ast.Call) and method(n) in ("append", "extend") and isinstance(n.func, ast.Attribute):
                if names & {x.id for x in walk(n.func.value) if isinstance(x, ast.Name)} and (r := receiver(loop.iter)):
                    out.add(r)
    return out


def selected_models(ctx: Context, ctor: ast.Call) -> set[str]:
    """`SGD(param_groups(model, cfg))` where `param_groups` is a function of this file: the
    models (as the constructor's scope names them) of every return of it that the call's
    arguments do not rule out; empty when some such return names no model it reads."""
    first = ctor.args[0] if ctor.args else kwarg(ctor, "params")
    if not (isinstance(first, ast.Call) and may_resolve(ctx, first)) or (t := resolve(ctx, first)) is None:
        return set()
    env = call_env(ctx, first) or ()
    out: set[str] = set()
    for r in walk_scope(t.fn):
        if not isinstance(r, ast.Return) or _ruled_out(ctx, r, t.fn, env):
            continue
        models = _return_models(ctx, t.fn, r.value, env) if r.value is not None else set()
        if not models:
            return set()
        out |= {k for m in models if (k := t.rename(m))}
    return out


def _return_models(ctx: Context, fn: ast.AST, value: ast.expr, env: Env) -> set[str]:
    """The models a return's value takes parameters from. A returned name bound only by plain
    assignments of `fn` (`groups = [...]` on each side of an `if`) counts the bindings the
    arguments do not rule out; a name also filled in place (`groups.append(...)`) counts all."""
    bound = ctx.assigns_in(fn).get(value.id, []) if isinstance(value, ast.Name) else []
    filled = any(isinstance(n, ast.Call) and method(n) in ("append", "extend", "insert") and receiver(n) == value.id
                 or isinstance(n, ast.AugAssign) and dotted(n.target) == value.id for n in walk_scope(fn)) if bound else True  # fmt: skip
    if filled or not all(isinstance(b, ast.Assign) and len(b.targets) == 1 for b in bound):
        return ctx.models_in(value) | appended(ctx, fn, value)
    out: set[str] = set()
    for b in bound:
        if not _ruled_out(ctx, b, fn, env):
            if not (models := ctx.models_in(b.value) | appended(ctx, fn, b.value)):  # type: ignore[attr-defined]
                return set()
            out |= models
    return out


def _ruled_out(ctx: Context, node: ast.AST, fn: ast.AST, env: Env) -> bool:
    """`node` cannot run with these arguments: it sits on the side of an `if` the evaluator
    rules out, or after an `if` the evaluator takes whose body ends in a return."""
    child = node
    for a in ctx.ancestors(node):
        if isinstance(a, ast.If) and child is not a.test and (side := truth(ctx, a.test, env)) is not None:
            if (child in a.body) is not side:
                return True
        body = getattr(a, "body", None)
        if isinstance(body, list) and child in body:
            for stmt in body[: body.index(child)]:
                if isinstance(stmt, ast.If) and stmt.body and isinstance(stmt.body[-1], ast.Return) and truth(ctx, stmt.test, env):
                    return True
        if a is fn:
            return False
        child = a
    return False
