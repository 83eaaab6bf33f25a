"""TVL004 in a shared pass: one function serves training and evaluation, its backward() sits
under a test (`if train:`, `if mode == "train":`, `if model.training:`) but its optimizer step
does not, and an evaluation pass runs it with the test off: every evaluation batch applies an
optimizer step with the last training gradients.

The evaluation pass is a call that passes a constant turning the test off (directly, or through
the flag of another shared function: `run_epoch(loader, train=False)` -> `self.run_batch(batch,
train)`), or a call under `torch.no_grad()` (backward() there could not run, so the test must be
off), or one after `.eval()` when the test reads `.training`."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from torchvitals.lint.calls import FUNCS, resolve
from torchvitals.lint.engine import (
    Context,
    callee,
    is_const,
    is_nograd_with,
    kwarg,
    last,
    method,
    passed,
    walk_scope,
)
from torchvitals.lint.rules.values import call_env, truth
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import Rule

_EXITS = (ast.Continue, ast.Break, ast.Return)


def step_outside_mode_gate(ctx: Context, doc: Rule) -> set[ast.Call]:
    """Reports each such step; returns the evaluation calls named, so that other readings of
    the same pass do not report the same bug again at them."""
    told: set[ast.Call] = set()
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        fn = ctx.scope_of(c) if opt else None
        if not isinstance(fn, FUNCS):
            continue
        ifs = [n for n in walk_scope(fn) if isinstance(n, ast.If)]
        if any(i in ctx.ancestors(c) and not any(isinstance(n, ast.Mod) for n in walk(i.test)) for i in ifs):
            continue  # `if optimizer is not None:` / `if model.training:` may be the guard; `% accum` is not
        if _cleared_before(ctx, fn, c, ifs):
            continue  # gradients set to None first: the step has nothing to apply
        for gate in ifs:
            below = [b for b in ctx.backwards if ctx.scope_of(b) is fn and gate in ctx.ancestors(b)]
            if not below or isinstance(gate.body[-1], _EXITS):
                continue
            skips = not any(_inside(ctx, below[0], s) for s in gate.body)  # backward in the else: True skips it
            found = _off_call(ctx, fn, gate.test, skips)
            if found is not None:
                off, how = found
                ctx.report(doc, c, f"`{opt}.step()` in `{fn.name}()` is outside the test that guards backward() "
                           f"(line {gate.lineno}): the call {how} (line {off.lineno}) steps the optimizer on "
                           "evaluation data")  # fmt: skip
                told.add(off)
                break
    return told


def _inside(ctx: Context, node: ast.AST, stmt: ast.stmt) -> bool:
    return node is stmt or stmt in ctx.ancestors(node)


def _cleared_before(ctx: Context, fn: ast.AST, step: ast.Call, ifs: list[ast.If]) -> bool:
    """`optimizer.zero_grad()` (gradients set to None) runs unconditionally before the step."""
    for n in walk_scope(fn):
        if isinstance(n, ast.Call) and method(n) == "zero_grad" and n.lineno < step.lineno:
            if not any(i in ctx.ancestors(n) for i in ifs) and not is_const(kwarg(n, "set_to_none"), False):
                return True
    return False


def _off_call(ctx: Context, fn: ast.AST, test: ast.expr, skips: bool) -> tuple[ast.Call, str] | None:
    """A call of `fn` that runs it with `test` evaluating to `skips`, and how it does."""
    params = [a.arg for a in fn.args.args]  # type: ignore[attr-defined]
    for p in params:
        if not any(isinstance(n, ast.Name) and n.id == p for n in walk(test)):
            continue
        for call, value in _constants_for(ctx, fn, p):  # type: ignore[arg-type]
            if _truth(test, p, value) is skips:
                return call, f"with {p}={value!r}"
    reads_mode = not skips and _reads_training(test)
    for call in _calls_of(ctx, fn):
        t = resolve(ctx, call)  # by name is not enough here: `step(...)` vs `opt.step()`
        if t is None or t.fn is not fn:
            continue
        if _evaluated_off(ctx, call, test, skips):
            return call, f"`{ast.unparse(call)}`"
        if _under_no_grad(ctx, call):
            return call, "under no_grad()"
        if reads_mode and _after_eval(ctx, call):
            return call, "after eval()"
    return None


def _evaluated_off(ctx: Context, call: ast.Call, test: ast.expr, skips: bool) -> bool:
    """The shared evaluator, given the arguments of `call`, reads `test` as `skips`: a test on a
    local the function derives from its parameters (`is_train = mode == "train"` ... `if
    is_train:`) for a call passing `"val"`, or a test on a config entry the call hands in.
    A test the evaluator cannot read (`if model.training:`) is left to the readings below."""
    env = call_env(ctx, call)
    return bool(env) and truth(ctx, test, env) is skips


def _reads_training(test: ast.expr) -> bool:
    """`if model.training:` (alone or in an `and`): false once the model is in eval mode."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_reads_training(v) for v in test.values)
    return isinstance(test, ast.Attribute) and test.attr == "training"


def _calls_of(ctx: Context, fn: ast.AST) -> Iterator[ast.Call]:
    name = getattr(fn, "name", "")
    return (c for c in ctx.calls if last(callee(c)) == name and ctx.scope_of(c) is not fn)


def _constants_for(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str, depth: int = 0) -> Iterator[tuple[ast.Call, object]]:
    """(call, value) for each call of `fn` (by its name) that passes a constant for `param`, or
    passes on a flag of its own caller that a call of that caller sets (`run_epoch(loader,
    train=False)` whose body calls `self.run_batch(batch, train)`), 3 functions deep at most."""
    names = [a.arg for a in fn.args.args]
    names = names[1:] if names and names[0] == "self" else names
    i = names.index(param) if param in names else -1
    for c in _calls_of(ctx, fn):
        given = passed(c, i, param)
        if isinstance(given, ast.Constant):
            yield c, given.value
        outer = ctx.scope_of(c)
        if depth < 2 and isinstance(given, ast.Name) and _unchanged_param(outer, given.id):
            yield from _constants_for(ctx, outer, given.id, depth + 1)  # type: ignore[arg-type]


def _unchanged_param(fn: ast.AST, name: str) -> bool:
    """`name` is a parameter of the function `fn` that its body never binds again."""
    if not isinstance(fn, FUNCS) or name not in {a.arg for a in fn.args.args}:
        return False
    return not any(isinstance(n, ast.Name) and n.id == name and isinstance(n.ctx, ast.Store) for n in walk_scope(fn))


def _truth(test: ast.expr, p: str, v: object) -> bool | None:
    """What `test` evaluates to with the name `p` bound to the constant `v` (None: unknown)."""
    if isinstance(test, ast.Name):
        return bool(v) if test.id == p else None
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        r = _truth(test.operand, p, v)
        return None if r is None else not r
    if isinstance(test, ast.BoolOp):
        rs = [_truth(x, p, v) for x in test.values]
        stop = isinstance(test.op, ast.Or)  # the value that decides: True for `or`, False for `and`
        return stop if stop in rs else (not stop if all(r is not None for r in rs) else None)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        return _compare(test.left, test.ops[0], test.comparators[0], p, v)
    return None


def _compare(left: ast.expr, op: ast.cmpop, right: ast.expr, p: str, v: object) -> bool | None:
    if isinstance(right, ast.Name) and right.id == p and isinstance(op, (ast.Eq, ast.NotEq)):
        left, right = right, left
    if not (isinstance(left, ast.Name) and left.id == p):
        return None
    try:
        other = ast.literal_eval(right)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    try:
        if isinstance(op, (ast.Eq, ast.Is)):
            return v == other
        if isinstance(op, (ast.NotEq, ast.IsNot)):
            return v != other
        if isinstance(op, (ast.In, ast.NotIn)):
            return (v in other) is isinstance(op, ast.In)  # type: ignore[operator]
    except TypeError:
        return None
    return None


def _under_no_grad(ctx: Context, call: ast.Call) -> bool:
    """The call runs without a graph: in a `with torch.no_grad():` block or a function
    decorated `@torch.no_grad()`."""
    for a in ctx.ancestors(call):
        if is_nograd_with(a):
            return True
    fn = ctx.scope_of(call)
    return any(last(callee(d) if isinstance(d, ast.Call) else "") in ("no_grad", "inference_mode")
               for d in getattr(fn, "decorator_list", []))  # fmt: skip


def _after_eval(ctx: Context, call: ast.Call) -> bool:
    """In the call's function, an `.eval()` comes before it with no `.train()` in between."""
    scope = ctx.scope_of(call)
    modes = sorted((n.lineno, method(n) == "eval" and not n.args) for n in walk_scope(scope)
                   if isinstance(n, ast.Call) and method(n) in ("eval", "train") and n.lineno < call.lineno)  # fmt: skip
    return bool(modes) and modes[-1][1]
