"""TVL011: `optimizer.step()` skipped on a gradient condition (an `if` around it, an early
`continue`/`return` before it, an `except` after a check that raises, a verdict asked of a
helper or of a method a subclass overrides) with nothing that counts or logs the skip. Split
from loops.py, which runs it."""

from __future__ import annotations

import ast
import re

from torchvitals.lint import dispatch
from torchvitals.lint.calls import bind, functions, resolve
from torchvitals.lint.engine import (
    Context,
    block,
    callee,
    dotted,
    last,
    method,
    targets_of,
    walk_scope,
)
from torchvitals.lint.hooks import methods_named
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

STEP_GATE = document(
    "TVL011",
    "silent-step-gate",
    what="`optimizer.step()` guarded by an `if` on gradient norms (all positive, finite) with no "
    "`else` that counts or logs the skipped step.",
    why="A gate `ok = g_back > 0 and g_head > 0` skipped every step in which one part had "
    "no gradient, for weeks, while the loss looked merely flat. A skip nobody counts is "
    "invisible.",
    example="ok = g_back > 0 and g_head > 0\nif ok:\n    optimizer.step()",
    fix="Step when any gradient is finite and non-zero (one total norm), and count or log every "
    "skipped step in an `else` branch.",
)


# ---- TVL011 ---------------------------------------------------------------------------------

_GRADISH = re.compile(r"grad|norm")
# a GradScaler is no gradient test; `if accelerator.sync_gradients:` (DDP's `require_backward_grad_sync`,
# a shim's `should_sync`) marks the last micro-batch of an accumulation window, not a gradient check;
# so does an `update_grad` flag (MAE's loss scaler); `requires_grad` says a tensor is trainable (an
# optimizer built over `filter(lambda p: p.requires_grad, ...)` tested for None), not what its gradient holds
_NOT_GRADISH = re.compile(r"accum|step|every|iter|scaler|sync|update|requires")


def _names(expr: ast.AST) -> list[str]:
    return [d for n in walk(expr) if isinstance(n, (ast.Name, ast.Attribute)) and (d := dotted(n))]


_FINITE = {"isfinite", "isnan", "isinf"}


def _gradish(ctx: Context, expr: ast.AST, depth: int = 0) -> bool:
    if _tests_grads(expr):
        return True
    for name in _names(expr):
        low = last(name).lower()
        if low != "grad" and _GRADISH.search(low) and not _NOT_GRADISH.search(low):
            return True
        if depth < 2 and "." not in name:
            if any(_gradish(ctx, v, depth + 1) for v in ctx.values.get(name, [])[:3]):
                return True
    for c in (n for n in walk(expr) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
        fn = functions(ctx).get(c.func.id) if depth < 2 else None  # if should_step(model, cfg): a helper's verdict
        if fn is not None and _returns_gradish(ctx, fn, depth):
            return True
    return depth < 2 and any(_returns_gradish(ctx, fn, depth) for fn in _asked_methods(ctx, expr))


def _returns_gradish(ctx: Context, fn: ast.AST, depth: int) -> bool:
    """The verdict `fn` returns depends on the gradients: a returned value reads them, or it
    refuses (`return False`, or returns a flag it sets to False) and a test that decides a
    return or sets that flag reads them (`if not math.isfinite(norm): return False` in a
    mixin's `should_step`, `if norm <= ceiling: return True` before `return False`, `ok = True;
    if norm > limit: ok = False; return ok`): constants chosen by a gradient test are a gate."""
    returns = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value]
    if any(_gradish(ctx, v, depth + 1) for v in _through_locals(fn, returns)):
        return True
    flags = {v.id for v in returns if isinstance(v, ast.Name)}
    set_flags = [n for n in walk_scope(fn) if isinstance(n, ast.Assign) and _refusal(n.value) and {*targets_of(n)} & flags]
    if not any(_refusal(v) for v in returns) and not set_flags:
        return False
    deciding = [n.test for n in walk_scope(fn) if isinstance(n, ast.If) and any(_decides(r, flags) for b in n.body for r in walk(b))]
    return any(_gradish(ctx, t, depth + 1) for t in _through_locals(fn, deciding))


def _through_locals(fn: ast.AST, exprs: list[ast.expr]) -> list[ast.expr]:
    """`exprs` and, transitively, the values `fn` itself assigns to the names they read
    (`gn = self._grad_norm(); ok = gn < limit * ema; return ok`): a verdict built in several
    local steps reads the gradients however many steps it takes. Only `fn`'s own assignments
    are followed, so a name that means something else in another function adds nothing."""
    local: dict[str, list[ast.expr]] = {}
    for n in walk_scope(fn):
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None:
            for t in targets_of(n):
                local.setdefault(t, []).append(n.value)
    out, seen, todo = list(exprs), set(), list(exprs)
    while todo and len(out) < 40:
        for name in {n.id for n in walk(todo.pop()) if isinstance(n, ast.Name)} - seen:
            seen.add(name)
            out += local.get(name, [])
            todo += local.get(name, [])
    return out


def _decides(node: ast.AST, flags: set[str]) -> bool:
    """A return, or an assignment to a flag the function returns."""
    return isinstance(node, ast.Return) or (isinstance(node, ast.Assign) and bool({*targets_of(node)} & flags))


def _refusal(value: ast.expr) -> bool:
    """`return False` / `return 0`: the verdict that skips the step."""
    return isinstance(value, ast.Constant) and value.value is not None and not value.value


def _asked_methods(ctx: Context, expr: ast.AST) -> list[ast.AST]:
    """`if self.should_step():` in a base runner: every method of this file by that name, for
    a subclass's override is the one that runs (`return bool(total_norm <= self.max_norm)`)."""
    named = methods_named(ctx) if any(isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) for n in walk(expr)) else {}
    return [f for n in walk(expr) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) for f in named.get(n.func.attr, [])]


def _tests_grads(expr: ast.AST) -> bool:
    """`torch.isfinite(p.grad)` / `p.grad.isnan()` in the test: each parameter's gradient
    checked; or every parameter required to have one (`all(p.grad is not None for p in ...)`,
    `any(p.grad is None for p in ...)`): a step where one part got no gradient is skipped."""
    for n in walk(expr):
        if isinstance(n, ast.Call) and (method(n) in _FINITE or last(callee(n)) in _FINITE):
            if any(isinstance(a, ast.Attribute) and a.attr == "grad" for a in walk(n)):
                return True
        if isinstance(n, ast.Call) and callee(n) in ("all", "any") and len(n.args) == 1 and isinstance(n.args[0], ast.GeneratorExp):
            elt = n.args[0].elt
            op = ast.IsNot if callee(n) == "all" else ast.Is
            if (isinstance(elt, ast.Compare) and len(elt.ops) == 1 and isinstance(elt.ops[0], op) and isinstance(elt.left, ast.Attribute)
                    and elt.left.attr == "grad" and isinstance(elt.comparators[0], ast.Constant) and elt.comparators[0].value is None):
                return True
    return False


def _all_positive_gate(ctx: Context, expr: ast.AST) -> int:
    """How many `x > 0` tests an `and` gate requires (following one name)."""
    if isinstance(expr, ast.Name):
        vals = ctx.values.get(expr.id, [])
        expr = vals[0] if len(vals) == 1 else expr
    if not (isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.And)):
        return 0
    n = 0
    for v in expr.values:
        if isinstance(v, ast.Compare) and isinstance(v.ops[0], ast.Gt) and is_const_num(v.comparators[0]):
            n += 1
    return n


def is_const_num(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and node.value == 0


def _logs_or_counts(stmts: list[ast.stmt]) -> bool:
    for s in stmts:
        for n in walk(s):
            if isinstance(n, ast.AugAssign) or isinstance(n, ast.Raise):
                return True
            if isinstance(n, ast.Call):
                name = callee(n).lower()
                if any(w in name for w in ("print", "log", "warn", "append", "inc", "count", "skip")):
                    return True
    return False


def _verdict_counts(ctx: Context, test: ast.AST) -> bool:
    """The gate asks a function or method of this file for its verdict (`if guard.allow(norm):`,
    `if should_step(norm):`) and every definition of that name counts or logs before it refuses
    (`self.skipped += 1; log.warning(...); return False`): the skip is counted where it is decided."""
    for c in (n for n in walk(test) if isinstance(n, ast.Call)):
        if isinstance(c.func, ast.Name):
            fns = [f] if (f := functions(ctx).get(c.func.id)) is not None else []
        elif isinstance(c.func, ast.Attribute):
            fns = methods_named(ctx).get(c.func.attr, [])
        else:
            continue
        if fns and all(_counts_before_refusing(f) for f in fns):
            return True
    return False


def _counts_before_refusing(fn: ast.AST) -> bool:
    """A branch of `fn`, or its own body after the branches that allow (`if ok: return True`),
    that counts or logs and then returns False (or 0, None), or sets the flag `fn` returns to False."""
    own = getattr(fn, "body", [])
    allows = [k for k, st in enumerate(own[:-1]) if any(isinstance(n, ast.Return) for n in walk(st))]
    blocks = [own[allows[-1] + 1 :]] if allows else []  # what runs once every branch that allows has not
    blocks += [body for n in walk_scope(fn) if isinstance(n, ast.If) for body in (n.body, n.orelse)]
    flags = {r.value.id for r in walk_scope(fn) if isinstance(r, ast.Return) and isinstance(r.value, ast.Name)}
    for body in blocks:
        end = body[-1] if body else None
        refuses = isinstance(end, ast.Return) and isinstance(end.value, ast.Constant) and not end.value.value
        if refuses and len(body) > 1 and _logs_or_counts(body[:-1]):
            return True
        # `ok = False` with the count beside it, in a verdict that returns the flag `ok`
        sets = [st for st in body if isinstance(st, ast.Assign) and _refusal(st.value) and {*targets_of(st)} & flags]
        if sets and _logs_or_counts([st for st in body if st not in sets]):
            return True
    # `if not ok: log.warning(...)` before `return ok`: the branch runs exactly when the verdict refuses
    return any(_negates(n.test, flags) and _logs_or_counts(n.body) for n in walk_scope(fn) if isinstance(n, ast.If))


def _negates(test: ast.expr, flags: set[str]) -> bool:
    """`not ok` for a flag `ok` the verdict returns."""
    return isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name) and test.operand.id in flags


def _flag(test: ast.expr) -> tuple[str, bool] | None:
    """(name, the value of that name for which the test holds): `skip` -> (skip, True),
    `not skip` -> (skip, False); None for any other test."""
    if isinstance(test, ast.Name):
        return test.id, True
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) and isinstance(test.operand, ast.Name):
        return test.operand.id, False
    return None


def _counts_when(fn: ast.AST, name: str, value: bool) -> bool:
    """An `if` of `fn` on `name` (or `not name`) whose branch taken when `name` is `value`
    counts, logs or raises."""
    for n in walk_scope(fn):
        if isinstance(n, ast.If) and (f := _flag(n.test)) is not None and f[0] == name:
            branch = n.body if f[1] == value else n.orelse
            if branch and _logs_or_counts(branch):
                return True
    return False


def _flag_counted(ctx: Context, test: ast.expr, step: ast.Call) -> bool:
    """The gate is a plain flag (`if not skip: opt.step()`) and the function holding the step
    counts the skip on that same flag: inline (`if skip: skipped += 1`), or in every function a
    call hands the flag to (`tracker.record(skip, it, norm)` whose method counts, logs or
    raises when its parameter says skip). An `else` branch is only one way to count a skip."""
    flag = _flag(test)
    if flag is None:
        return False
    scope, (name, steps_when) = ctx.scope_of(step), flag
    if _counts_when(scope, name, not steps_when):
        return True
    for call in (n for n in walk_scope(scope) if isinstance(n, ast.Call)):
        if any(isinstance(a, ast.Name) and a.id == name for a in [*call.args, *(k.value for k in call.keywords)]):
            targets = _handed_to(ctx, call)
            if targets and all(_param_counted(fn, params, name, not steps_when) for fn, params in targets):
                return True
    return False


def _handed_to(ctx: Context, call: ast.Call) -> list[tuple[ast.AST, tuple[tuple[str, str], ...]]]:
    """The functions `call` may run, each with its parameters bound to the caller's names: the
    one it resolves to, its dispatch alternatives, or (a method of an object passed in, as
    `_verdict_counts` reads a verdict) every method of this file by that name."""
    if (t := resolve(ctx, call)) is not None:
        return [(t.fn, t.params)]
    if alts := dispatch.alternatives(ctx, call):
        return [(t.fn, t.params) for t in alts]
    if isinstance(call.func, ast.Attribute):
        return [(f, bind(f, call, True)) for f in methods_named(ctx).get(call.func.attr, [])]
    return []


def _param_counted(fn: ast.AST, params: tuple[tuple[str, str], ...], name: str, skipped: bool) -> bool:
    """The parameters of `fn` bound to the caller's `name`, one of them counted when it says skip."""
    return any(_counts_when(fn, p, skipped) for p, given in params if given == name)


def check_step_gate(ctx: Context) -> None:
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        if not opt:
            continue
        child: ast.AST = c
        for a in ctx.ancestors(c):
            if isinstance(a, ast.If) and child in a.body and _gradish(ctx, a.test):
                if _logs_or_counts(a.orelse) or _verdict_counts(ctx, a.test) or _flag_counted(ctx, a.test, c):
                    break
                n = _all_positive_gate(ctx, a.test)
                if n >= 2:
                    msg = (f"`{opt}.step()` runs only when all {n} gradient norms are positive: "
                           "a step where one part has no gradient is skipped, silently")
                else:
                    msg = (f"`{opt}.step()` is skipped on a gradient condition and nothing counts "
                           "or logs the skip")
                ctx.report(STEP_GATE, a, msg)
                break
            child = a
        _early_exit_gate(ctx, c, opt)


_EXITS = (ast.Continue, ast.Break, ast.Return)


def is_bool(node: ast.AST | None) -> bool:
    """`return False`: a flag the caller can count; not a silent skip."""
    return isinstance(node, ast.Constant) and isinstance(node.value, bool)


def _silent_exit(body: list[ast.stmt]) -> bool:
    """A branch that ends in continue / break / return and counts or logs nothing on the way
    (`optimizer.zero_grad(); return` in an engine's step()); `return False` is a flag the
    caller can count."""
    end = body[-1]
    if not isinstance(end, _EXITS) or (isinstance(end, ast.Return) and is_bool(end.value)):
        return False
    return len(body) == 1 or not _logs_or_counts(body[:-1])


def _returns_in_scan(stmt: ast.stmt) -> list[ast.If]:
    """`for p in params: if not torch.isfinite(p.grad).all(): return`: the `if`s of a loop over
    the parameters (run before the step) that leave the whole function, so the step after the
    loop is skipped. (A `continue` or `break` there only ends the scan, not the step.)"""
    if not isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
        return []
    return [n for s in stmt.body for n in walk(s) if isinstance(n, ast.If) and n.body and isinstance(n.body[-1], ast.Return)]


def _silent_handler(ctx: Context, stmt: ast.Try) -> ast.ExceptHandler | None:
    """`try: clip_grad_norm_(params, 1.0, error_if_nonfinite=True) except RuntimeError:
    continue`: a gradient check that raises, and a handler that leaves before the step with
    nothing counted or logged. The `try` body must read the gradients (a backward or a forward
    pass there is no gradient test)."""
    if not stmt.body or any(c in ctx.backwards for s in stmt.body for c in walk(s)):
        return None
    if not all(_gradish(ctx, s) for s in stmt.body if not isinstance(s, ast.Pass)):
        return None
    return next((h for h in stmt.handlers if h.body and _silent_exit(h.body)), None)


def _early_exit_gate(ctx: Context, step: ast.Call, opt: str) -> None:
    """`if grad_norm > limit: continue` (or return / break) before `opt.step()` in the same
    block: the step is skipped on a gradient condition and the exit neither counts nor logs."""
    child: ast.AST = step
    in_function = isinstance(ctx.scope_of(step), (ast.FunctionDef, ast.AsyncFunctionDef))  # a `return` needs one
    for a in ctx.ancestors(step):
        body = next((b for f in ("body", "orelse") if child in (b := block(a, f))), None)
        if body is not None:
            for stmt in body[: body.index(child)]:  # type: ignore[arg-type]
                gates = [stmt] if isinstance(stmt, ast.If) else _returns_in_scan(stmt) if in_function else []
                for g in gates:
                    if not g.orelse and _silent_exit(g.body) and _gradish(ctx, g.test):
                        ctx.report(STEP_GATE, g, f"`{opt}.step()` is skipped (the `{type(g.body[-1]).__name__.lower()}` "
                                   "on a gradient condition) and nothing counts or logs the skip")  # fmt: skip
                        return
                if isinstance(stmt, ast.Try) and (h := _silent_handler(ctx, stmt)) is not None:
                    ctx.report(STEP_GATE, h, f"`{opt}.step()` is skipped (the `{type(h.body[-1]).__name__.lower()}` in "
                               "`except` after a gradient check) and nothing counts or logs the skip")  # fmt: skip
                    return
        if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        child = a
