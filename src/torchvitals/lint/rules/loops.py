"""Rules over the training loop's statements: gradients cleared (TVL003), train/eval mode and
validation blocks (TVL004), step gates (TVL011), loss accumulation (TVL012), GradScaler use
(TVL016). The learning-rate schedule (TVL007) is in schedule.py."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import (
    Target,
    dispatched,
    effects,
    effects_of,
    functions,
    may_resolve,
    merge,
    resolve,
)
from torchvitals.lint.engine import (
    OPTIMIZER_CLASSES,
    Context,
    block,
    callee,
    dotted,
    is_const,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.hooks import batch_loop, hook_targets, merge_hooks, methods_named
from torchvitals.rules.base import document

ZERO_GRAD = document(
    "TVL003",
    "missing-zero-grad",
    what="A loop calls `backward()` and `optimizer.step()` but never clears the gradients "
    "(`zero_grad()` or `p.grad = None`), or clears them between `backward()` and `step()`.",
    why="`backward()` adds into `.grad`. Without clearing, every step applies the sum of all "
    "past gradients, an ever-growing effective learning rate. Clearing between `backward()` "
    "and `step()` throws the fresh gradients away: the step does nothing.",
    example="for x, y in loader:\n    loss = criterion(model(x), y)\n    loss.backward()\n"
    "    optimizer.step()          # gradients keep accumulating",
    fix="Call `optimizer.zero_grad(set_to_none=True)` once per step, before `backward()` (or "
    "right after `step()`).",
)

EVAL_MODE = document(
    "TVL004",
    "eval-mode-training",
    what="`model.eval()` inside the training loop with no `model.train()` before the next "
    "training step, or an optimizer step inside a validation loop or function.",
    why="After `eval()`, dropout is off and BatchNorm stops updating and uses running stats: "
    "from the second epoch on, the model trains in evaluation mode. Stepping the optimizer "
    "on validation data trains on it and makes the validation metric meaningless.",
    example="for epoch in range(epochs):\n    for x, y in train_loader:\n        ...\n"
    "        optimizer.step()\n    model.eval()              # never switched back\n"
    "    validate(model)",
    fix="Call `model.train()` at the start of each training epoch; keep validation under "
    "`torch.no_grad()` with no `backward()` or `step()`.",
)

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

LOSS_ACCUM = document(
    "TVL012",
    "loss-accumulates-graph",
    what="The loss tensor is summed (`total += loss`) or appended to a list across iterations "
    "without `.item()` or `.detach()`, and the sum is never backpropagated.",
    why="Each loss keeps its whole autograd graph (activations included) alive while it is "
    "referenced: memory grows every step until the run slows down or dies out of memory.",
    example="total = 0\nfor x, y in loader:\n    loss = criterion(model(x), y)\n"
    "    loss.backward()\n    total += loss",
    fix="Accumulate `loss.item()` (or `loss.detach()`).",
)



def _calls_in(node: ast.AST) -> list[ast.Call]:
    return [n for n in walk_scope(node) if isinstance(n, ast.Call)]


def _training_loops(ctx: Context) -> dict[ast.AST, list[ast.Call]]:
    """Innermost loop around each backward() -> its backward calls."""
    loops: dict[ast.AST, list[ast.Call]] = {}
    for b in ctx.backwards:
        around = ctx.loops_around(b)
        if around:
            loops.setdefault(around[0], []).append(b)
    return loops


def _trained(ctx: Context) -> set[str]:
    models = set(ctx.trained)
    for ms in ctx.optimizers.values():
        models |= ms
    return (models or {"model", "net"}) | _configured(ctx)


def _configured(ctx: Context) -> set[str]:
    """`optimizer = module.configure_optimizers()` (any method name) where a method of that name
    in this file returns an optimizer over `self.parameters()`: `module` is trained."""
    out = set()
    for a in ctx.assigns:
        v = getattr(a, "value", None)
        if not (isinstance(v, ast.Call) and (recv := receiver(v)) and recv != "self" and (m := method(v))):
            continue
        for fn in methods_named(ctx).get(m, []):
            rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and isinstance(r.value, ast.Call)]
            if any(last(callee(r)) in OPTIMIZER_CLASSES and "self.parameters()" in ast.unparse(r) for r in rets):
                out.add(recv)
    return out


# ---- TVL003 ---------------------------------------------------------------------------------


def _clears(ctx: Context, node: ast.AST) -> bool:
    if isinstance(node, ast.Call):
        name = last(callee(node)) or method(node)
        return "zero_grad" in name or (method(node) == "zero_" and "grad" in (receiver(node) or ""))
    if isinstance(node, (ast.Assign, ast.AugAssign)):
        return any(t.endswith(".grad") or t == "grad" for t in targets_of(node))
    return False


def _stepped_by(ctx: Context, t: Target) -> str | None:
    """The optimizer a resolved helper steps, as the caller names it."""
    return next((k for o in sorted(effects(ctx, t.fn).steps) if (k := t.rename(o))), None)


def _backward_loops(ctx: Context) -> set[ast.AST]:
    """Innermost loops around a backward(), or around a resolved call whose function (or its
    callees) calls backward(): `trainer.train_step(batch)` in an epoch loop."""
    loops = {ls[0] for b in ctx.backwards if (ls := ctx.loops_around(b))}
    if ctx.backwards:
        for c in ctx.calls:
            if not may_resolve(ctx, c):
                continue
            if (t := resolve(ctx, c)) and (ls := ctx.loops_around(c)) and ls[0] not in loops and effects(ctx, t.fn).backward:
                loops.add(ls[0])
        for c in ctx.calls:  # a runner's hook: `h.after_train_iter(self)`, `self.call_hook("after_train_iter")`
            if (loop := batch_loop(ctx, c)) is not None and loop not in loops:
                if any(effects(ctx, t.fn, 1).backward for t in hook_targets(ctx, c)):
                    loops.add(loop)
    return loops


def check_zero_grad(ctx: Context) -> None:
    for loop in _backward_loops(ctx):
        nodes = list(walk_scope(loop))
        steps = [n for n in nodes if isinstance(n, ast.Call) and ctx.optimizer_step(n)]
        # A helper called in the loop may step (`self.optimizer_step()`) or clear the gradients.
        helpers = [(n, t) for n in nodes if isinstance(n, ast.Call) and (t := resolve(ctx, n))]
        helpers += [(n, t) for n in nodes if isinstance(n, ast.Call) for t in hook_targets(ctx, n)]
        if any(_clears(ctx, n) for n in nodes) or any(effects(ctx, t.fn).clears for _, t in helpers):
            continue
        if not steps:
            stepped = [(n, opt) for n, t in helpers if (opt := _stepped_by(ctx, t))][:1]
            for n, opt in stepped:
                ctx.report(
                    ZERO_GRAD, n,
                    f"`{opt}` is stepped (in `{callee(n)}()`) in a loop that calls backward() but "
                    "never clears the gradients: they accumulate across iterations",
                )  # fmt: skip
            continue
        built_here = {t for n in nodes if isinstance(n, ast.Assign) for t in targets_of(n)}
        if ctx.optimizer_step(steps[0]) in built_here:
            continue  # a fresh optimizer every iteration: not a training loop
        ctx.report(
            ZERO_GRAD, steps[0],
            f"`{ctx.optimizer_step(steps[0])}` is stepped in a loop that calls backward() but never "
            "clears the gradients: they accumulate across iterations",
        )  # fmt: skip
    _zero_between(ctx)


def _zero_between(ctx: Context) -> None:
    """backward(); optimizer.zero_grad(); optimizer.step() in one block."""
    bodies: dict[int, list[ast.stmt]] = {}
    for b in ctx.backwards:  # only the statement lists that hold a backward() directly
        child: ast.AST = b
        for a in ctx.ancestors(b):
            body = next((block(a, f) for f in ("body", "orelse") if child in block(a, f)), None)
            if body is not None and isinstance(child, ast.stmt):
                bodies[id(body)] = body
                break
            child = a
    for body in bodies.values():
        kinds = []
        for stmt in body:
            calls = [c for c in ast.walk(stmt) if isinstance(c, ast.Call)]
            if any(c in ctx.backwards for c in calls):
                kinds.append(("backward", stmt, None))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and method(stmt.value) == "zero_grad":
                kinds.append(("zero", stmt, receiver(stmt.value)))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _only_clears(ctx, stmt.value):
                kinds.append(("zero", stmt, None))  # `self.after_backward()` whose body clears the gradients
            else:
                opt = next((o for c in calls if (o := ctx.optimizer_step(c))), None)
                if opt:
                    kinds.append(("step", stmt, opt))
        for i in range(1, len(kinds) - 1):
            (k0, _, _), (k1, z, zr), (k2, _, opt) = kinds[i - 1], kinds[i], kinds[i + 1]
            if (k0, k1, k2) == ("backward", "zero", "step") and (zr == opt or not ctx.is_optimizer(zr)):
                what = f"`{zr}.zero_grad()`" if zr else f"`{callee(z.value)}()`, which clears the gradients,"  # type: ignore[attr-defined]
                ctx.report(
                    ZERO_GRAD, z,
                    f"{what} between backward() and `{opt}.step()` erases the "
                    "gradients just computed: the step does nothing",
                )  # fmt: skip


def _only_clears(ctx: Context, call: ast.Call) -> bool:
    """A helper of this file that clears gradients and neither backpropagates nor steps."""
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return False
    eff = effects(ctx, t.fn)
    return eff.clears and not eff.backward and not eff.steps


# ---- TVL004 ---------------------------------------------------------------------------------

_VAL_LOADER = re.compile(
    r"^(val|valid|validation|test|eval|dev)_?(loader|dl|dataloader|data_loader|iter|batches|set|dataset|data|ds)$"
)
_VAL_FUNC = re.compile(
    r"^(validation_step|test_step|validate\w*|evaluate\w*|eval_(epoch|one_epoch|model|loop)\w*|"
    r"(run_|do_)?val(id)?_(fn|func|epoch|step|loop|one_epoch)\w*|test_(epoch|loop|one_epoch)\w*|run_(validation|eval)\w*)$"
)


def check_eval_mode(ctx: Context) -> None:
    trained = _trained(ctx)
    for loop in {ls[-1] for b in ctx.backwards if (ls := ctx.loops_around(b))}:
        # The outermost loop around backward: the epoch loop.
        calls = _calls_in(loop)
        if not any(c in ctx.backwards for c in calls):
            continue
        trains = {receiver(c) for c in calls if method(c) == "train" and not (c.args and is_const(c.args[0], False))}
        trains |= effects_of(ctx, calls).trains  # a helper called in the loop may switch back
        for c in calls:
            m, recv = method(c), receiver(c)
            is_eval = (m == "eval" and not c.args) or (m == "train" and c.args and is_const(c.args[0], False))
            if not is_eval or recv not in trained:
                continue
            if any(t and (recv == t or recv.startswith(t + ".")) for t in trains):
                continue
            ctx.report(
                EVAL_MODE, c,
                f"`{recv}.eval()` inside the training loop and `{recv}.train()` is never called "
                "again in it: later iterations train in eval mode (dropout off, BatchNorm frozen)",
            )  # fmt: skip
    _eval_in_helpers(ctx, trained)
    _steps_in_validation(ctx)
    _step_outside_mode_gate(ctx)


def _bare(key: str) -> str:
    return key.removeprefix("self.")


def _eval_in_helpers(ctx: Context, trained: set[str]) -> None:
    """The epoch loop calls a helper that switches the model to eval() (`self.validate()`),
    trains through another helper or directly, and nothing in it (helpers included) switches
    the model back to train()."""
    bare_trained = {_bare(t) for t in trained}
    if not ctx.backwards:
        return  # nothing in the file backpropagates: no loop trains, through helpers or not
    loops = {ls[-1] for c in ctx.calls if may_resolve(ctx, c) and resolve(ctx, c) and (ls := ctx.loops_around(c))}
    loops |= {ls[-1] for c in ctx.calls if (ls := ctx.loops_around(c)) and ls[-1] not in loops and hook_targets(ctx, c)}
    dispatch = "getattr(self" in ctx.text
    if dispatch:  # getattr(self, mode)(loader) in a workflow loop runs each method it may name
        loops |= {ls[-1] for c in ctx.calls if dispatched(ctx, c) and (ls := ctx.loops_around(c))}
    for loop in loops:
        calls = _calls_in(loop)
        eff = effects_of(ctx, calls)
        for c in calls if dispatch else ():
            for t in dispatched(ctx, c):
                merge(eff, effects(ctx, t.fn), t)
        merge_hooks(ctx, eff, calls)
        if not eff.backward:
            continue
        trains = {_bare(t) for t in eff.trains}
        seen: set[str] = set()
        for c in calls:
            one = resolve(ctx, c)
            targets = [one] if one else dispatched(ctx, c) if dispatch else []
            targets = targets or hook_targets(ctx, c)
            for t, e in sorted({(x, e) for x in targets for e in effects(ctx, x.fn).evals}, key=lambda te: te[1]):
                k = t.rename(e)
                b = _bare(k or "")
                if not k or b in seen or b not in bare_trained or any(b == x or b.startswith(x + ".") for x in trains):
                    continue
                seen.add(b)
                shown = callee(c) or f"{ast.unparse(c.func)}"
                ctx.report(
                    EVAL_MODE, c,
                    f"`{shown}()` switches `{k}` to eval() and nothing in this training loop "
                    f"(line {loop.lineno}) calls `{k}.train()` again: from the second iteration on "
                    "it trains in eval mode (dropout off, BatchNorm frozen)",
                )  # fmt: skip


def _mentions(expr: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(expr))


def _step_outside_mode_gate(ctx: Context) -> None:
    """`def run_epoch(..., train=True)` whose backward() sits under `if train:` but whose
    `optimizer.step()` does not, called somewhere with `train=False`: the evaluation pass
    steps the optimizer (with the last training gradients) on every batch."""
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        fn = ctx.scope_of(c) if opt else None
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        ifs = [n for n in walk_scope(fn) if isinstance(n, ast.If)]
        if any(i in ctx.ancestors(c) and not any(isinstance(n, ast.Mod) for n in ast.walk(i.test)) for i in ifs):
            continue  # `if optimizer is not None:` / `if model.training:` may be the guard; `% accum` is not
        for p in (a.arg for a in fn.args.args):
            gates = [i for i in ifs if _mentions(i.test, p)]
            guarded = [b for b in ctx.backwards if any(g in ctx.ancestors(b) for g in gates) and ctx.scope_of(b) is fn]
            if not guarded or any(g in ctx.ancestors(c) for g in gates) or any(isinstance(g.body[-1], _EXITS) for g in gates):
                continue
            off = _called_with_false(ctx, fn, p)
            if off is not None:
                ctx.report(EVAL_MODE, c, f"`{opt}.step()` in `{fn.name}()` is outside the `{p}` test that guards "
                           f"backward(): the call with {p}=False (line {off.lineno}) steps the optimizer on "
                           "evaluation data")  # fmt: skip
                break


def _called_with_false(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, param: str) -> ast.Call | None:
    """A call of `fn` (by its name) that passes the constant False for `param`."""
    names = [a.arg for a in fn.args.args]
    names = names[1:] if names and names[0] == "self" else names
    for c in ctx.calls:
        if last(callee(c)) != fn.name:
            continue
        i = names.index(param) if param in names else -1
        given = c.args[i] if 0 <= i < len(c.args) else next((k.value for k in c.keywords if k.arg == param), None)
        if given is not None and is_const(given, False):
            return c
    return None


def _steps_in_validation(ctx: Context) -> None:
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        if not opt:
            continue
        for a in ctx.ancestors(c):
            if isinstance(a, (ast.For, ast.AsyncFor)):
                names = [last(dotted(n)) for n in ast.walk(a.iter) if isinstance(n, (ast.Name, ast.Attribute))]
                names += [n.value for n in ast.walk(a.iter) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
                if any(_VAL_LOADER.match(x.lower()) for x in names if x):
                    ctx.report(EVAL_MODE, c, f"`{opt}.step()` inside a loop over validation data: "
                               "the model trains on the data it is evaluated on")  # fmt: skip
                    break
            if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)) and _VAL_FUNC.match(a.name):
                ctx.report(EVAL_MODE, c, f"`{opt}.step()` inside `{a.name}()`, a validation "
                           "function: the model trains on the data it is evaluated on")  # fmt: skip
                break


# ---- TVL011 ---------------------------------------------------------------------------------

_GRADISH = re.compile(r"grad|norm")
_NOT_GRADISH = re.compile(r"accum|step|every|iter|scaler")  # a GradScaler is no gradient test


def _names(expr: ast.AST) -> list[str]:
    return [d for n in ast.walk(expr) if isinstance(n, (ast.Name, ast.Attribute)) and (d := dotted(n))]


def _gradish(ctx: Context, expr: ast.AST, depth: int = 0) -> bool:
    for name in _names(expr):
        low = last(name).lower()
        if low != "grad" and _GRADISH.search(low) and not _NOT_GRADISH.search(low):
            return True
        if depth < 2 and "." not in name:
            if any(_gradish(ctx, v, depth + 1) for v in ctx.values.get(name, [])[:3]):
                return True
    for c in (n for n in ast.walk(expr) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)):
        fn = functions(ctx).get(c.func.id) if depth < 2 else None  # if should_step(model, cfg): a helper's verdict
        if fn is not None and any(_gradish(ctx, r.value, depth + 1) for r in walk_scope(fn) if isinstance(r, ast.Return) and r.value):
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
        for n in ast.walk(s):
            if isinstance(n, ast.AugAssign) or isinstance(n, ast.Raise):
                return True
            if isinstance(n, ast.Call):
                name = callee(n).lower()
                if any(w in name for w in ("print", "log", "warn", "append", "inc", "count", "skip")):
                    return True
    return False


def check_step_gate(ctx: Context) -> None:
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        if not opt:
            continue
        child: ast.AST = c
        for a in ctx.ancestors(c):
            if isinstance(a, ast.If) and child in a.body and _gradish(ctx, a.test):
                if _logs_or_counts(a.orelse):
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


def _early_exit_gate(ctx: Context, step: ast.Call, opt: str) -> None:
    """`if grad_norm > limit: continue` (or return / break) before `opt.step()` in the same
    block: the step is skipped on a gradient condition and the exit neither counts nor logs."""
    child: ast.AST = step
    for a in ctx.ancestors(step):
        body = next((b for f in ("body", "orelse") if child in (b := block(a, f))), None)
        if body is not None:
            for stmt in body[: body.index(child)]:  # type: ignore[arg-type]
                if (isinstance(stmt, ast.If) and not stmt.orelse and _silent_exit(stmt.body)
                        and _gradish(ctx, stmt.test)):  # fmt: skip
                    ctx.report(STEP_GATE, stmt, f"`{opt}.step()` is skipped (the `{type(stmt.body[-1]).__name__.lower()}` "
                               "on a gradient condition) and nothing counts or logs the skip")  # fmt: skip
                    return
        if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return
        child = a


CHECKS = [check_zero_grad, check_eval_mode, check_step_gate]
