"""Rules over the training loop's statements: gradients cleared (TVL003), loss accumulation
(TVL012's page; the check is in accumulate.py). Step gates (TVL011) are in step_gate.py. Train/eval mode and validation
blocks (TVL004) are in modes.py, the learning-rate schedule (TVL007) in schedule.py."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import (
    FUNCS,
    Target,
    effects,
    effects_of,
    enclosing_class,
    may_resolve,
    resolve,
)
from torchvitals.lint.dispatch import alternatives, may_effects, must_effects
from torchvitals.lint.engine import (
    Context,
    block,
    callee,
    last,
    method,
    receiver,
    targets_of,
    walk_scope,
)
from torchvitals.lint.hooks import back_references, batch_loop, hook_targets, per_batch_functions
from torchvitals.lint.rules.clear_owners import uncleared_optimizer
from torchvitals.lint.rules.modes import check_eval_mode
from torchvitals.lint.rules.step_gate import _names, check_step_gate  # noqa: F401  (_names: accumulate.py imports it from here)
from torchvitals.lint.syntax import walk
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


def _picked(ctx: Context, nodes: list) -> list[tuple[ast.Call, list[Target]]]:
    """Calls among `nodes` that run one of several functions of this file (dispatch.py)."""
    return [(n, alts) for n in nodes if isinstance(n, ast.Call) and may_resolve(ctx, n) and resolve(ctx, n) is None
            and len(alts := alternatives(ctx, n)) > 1]  # fmt: skip


def _backward_loops(ctx: Context) -> set[ast.AST]:
    """Innermost loops around a backward(), or around a resolved call whose function (or its
    callees) calls backward(): `trainer.train_step(batch)` in an epoch loop (found once)."""
    if "backward_loops" not in ctx.memo:
        ctx.memo["backward_loops"] = _find_backward_loops(ctx)
    return ctx.memo["backward_loops"]


def _find_backward_loops(ctx: Context) -> set[ast.AST]:
    loops = {ls[0] for b in ctx.backwards if (ls := ctx.loops_around(b))}
    if ctx.backwards:
        for c in ctx.calls:
            if not may_resolve(ctx, c):
                continue
            if (t := resolve(ctx, c)) and (ls := ctx.loops_around(c)) and ls[0] not in loops and effects(ctx, t.fn).backward:
                loops.add(ls[0])
        for c, alts in _picked(ctx, ctx.calls):  # `step = amp_step if amp else plain_step`: every one backpropagates
            if (ls := ctx.loops_around(c)) and ls[0] not in loops and must_effects(ctx, alts).backward:
                loops.add(ls[0])
        for c in ctx.calls:  # a runner's hook: `h.after_train_iter(self)`, `self.call_hook("after_train_iter")`
            if (loop := batch_loop(ctx, c)) is not None and loop not in loops:
                if any(effects(ctx, t.fn, 1).backward for t in hook_targets(ctx, c)):
                    loops.add(loop)
    return loops


def _context_backward(ctx: Context, call: ast.Call) -> bool:
    """`dist_autograd.backward(cid, [loss])` inside `with dist_autograd.context() as cid`:
    distributed autograd keeps each context's gradients in the context, not in `.grad`, and
    a fresh context per iteration starts them at zero, so there is nothing to clear."""
    if not (call.args and isinstance(call.args[0], ast.Name)):
        return False
    cid = call.args[0].id
    return any(
        isinstance(w, ast.With) and any(
            isinstance(i.optional_vars, ast.Name) and i.optional_vars.id == cid
            and isinstance(i.context_expr, ast.Call) and method(i.context_expr) == "context"
            for i in w.items
        )
        for w in ctx.ancestors(call)
    )  # fmt: skip


def check_zero_grad(ctx: Context) -> None:
    for loop in _backward_loops(ctx):
        own = [b for b in ctx.backwards if ctx.loops_around(b)[:1] == [loop]]
        if own and all(_context_backward(ctx, b) for b in own):
            continue
        nodes = list(walk_scope(loop))
        steps = [n for n in nodes if isinstance(n, ast.Call) and ctx.optimizer_step(n)]
        # A helper called in the loop may step (`self.optimizer_step()`) or clear the gradients.
        helpers = [(n, t) for n in nodes if isinstance(n, ast.Call) and (t := resolve(ctx, n))]
        helpers += [(n, t) for n in nodes if isinstance(n, ast.Call) for t in hook_targets(ctx, n)]
        helpers += _hooks_in_helpers(ctx, helpers)
        picked = _picked(ctx, nodes)  # one of several steps runs: silent when any may clear
        if any(_clears(ctx, n) for n in nodes) or any(effects(ctx, t.fn).clears for _, t in helpers) or any(
                may_effects(ctx, alts).clears for _, alts in picked):  # fmt: skip
            if (hit := uncleared_optimizer(ctx, loop)) is not None:
                ctx.report(ZERO_GRAD, hit[1], f"`{hit[0]}` is stepped in a loop that clears only the other optimizers' "
                           "gradients: its own accumulate across iterations")  # fmt: skip
            continue
        if not steps:
            stepped = [(n, opt) for n, t in helpers if (opt := _stepped_by(ctx, t))]
            stepped = (stepped + [(n, opt) for n, alts in picked for opt in sorted(must_effects(ctx, alts).steps)])[:1]
            for n, opt in stepped:
                ctx.report(
                    ZERO_GRAD, n,
                    f"`{opt}` is stepped (in `{callee(n)}()`) in a loop that calls backward() but "
                    "never clears the gradients: they accumulate across iterations",
                )  # fmt: skip
            if not stepped:
                _accumulated_never_cleared(ctx, loop)
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
    _zero_between_inlined(ctx)
    _per_batch_never_cleared(ctx)


def _hooks_in_helpers(ctx: Context, helpers: list[tuple[ast.Call, Target]]) -> list[tuple[ast.Call, Target]]:
    """Hooks a helper of the loop runs by name (`self.run_step(batch)`, whose body calls
    `self._call("after_backward")`, which runs every hook's `after_backward()`): each a helper
    of the loop's own call, named as the loop names things (a hook's `self.trainer.optimizer`
    is the runner's `self.optimizer` when the runner set `h.trainer = self`). One level: hooks
    the loop runs itself are read by `hook_targets` already."""
    out = []
    for n, t in helpers:
        for inner in walk_scope(t.fn):
            if not isinstance(inner, ast.Call):
                continue
            cls = enclosing_class(ctx, inner)
            refs = back_references(ctx, cls) if cls is not None else {}
            attrs = tuple((a, k) for a, given in refs.items() if (k := t.rename(given)))
            for h in hook_targets(ctx, inner):
                params = tuple((p, k) for p, v in h.params if (k := t.rename(v)))
                out.append((n, Target(h.fn, t.rename(h.self_key), params, attrs)))
    return out


def _accumulated_never_cleared(ctx: Context, loop: ast.AST) -> None:
    """Gradient accumulation: the loop around backward() does not step; a loop around it does
    (`for micro in range(accum): loss.backward()` then `optimizer.step()` or a helper that
    steps, in the iteration loop). That outer loop is the training loop: nothing in it (the
    inner loop and helpers included) clears the gradients, so every step applies the sum of all
    the micro-batches so far."""
    backward_loops = _backward_loops(ctx)
    for outer in ctx.loops_around(loop):
        if outer in backward_loops:
            return  # judged as a loop of its own
        nodes = list(walk_scope(outer))
        helpers = [(n, t) for n in nodes if isinstance(n, ast.Call) and may_resolve(ctx, n) and (t := resolve(ctx, n))]
        helpers += [(n, t) for n in nodes if isinstance(n, ast.Call) for t in hook_targets(ctx, n)]
        step = next(((n, opt) for n in nodes if isinstance(n, ast.Call) and (opt := ctx.optimizer_step(n))), None)
        step = step or next(((n, opt) for n, t in helpers if (opt := _stepped_by(ctx, t))), None)
        if step is None:
            continue  # no step at this level: the next loop out may hold it
        if any(_clears(ctx, n) for n in nodes) or any(effects(ctx, t.fn).clears for _, t in helpers):
            return
        if any(isinstance(n, ast.Assign) and step[1] in targets_of(n) for n in nodes):
            return  # a fresh optimizer every iteration: not a training loop
        ctx.report(
            ZERO_GRAD, step[0],
            f"`{step[1]}` is stepped in a loop whose inner loop (line {loop.lineno}) accumulates "  # type: ignore[attr-defined]
            "gradients with backward(), and nothing clears them: every step applies the sum of all past gradients",
        )  # fmt: skip
        return


def _per_batch_never_cleared(ctx: Context) -> None:
    """A function the framework runs once per batch (ignite's `Engine(update)`, an iteration
    handler, Lightning's `training_step` under manual optimization) backpropagates and steps,
    and nothing in the whole file ever clears a gradient."""
    text = ctx.text
    if any(f.code == "TVL003" for f in ctx.findings):
        return  # a loop of this file already said it
    if "zero_grad" in text or "zero_()" in text or "None" in text and ".grad" in text and _grad_set_none(ctx):
        return
    steps_fns = [*per_batch_functions(ctx), *(m for c in ctx.classes for m in c.body
                                              if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name == "training_step")]  # fmt: skip
    for fn in steps_fns:
        nodes = list(walk(fn) if isinstance(fn, ast.Lambda) else walk_scope(fn))
        eff = effects_of(ctx, nodes)
        step = min((n for n in nodes if isinstance(n, ast.Call) and _steps(ctx, n)), key=lambda n: (n.lineno, n.col_offset), default=None)
        if eff.backward and eff.steps and step is not None:
            opt = ctx.optimizer_step(step) or "the optimizer"
            ctx.report(ZERO_GRAD, step, f"`{opt}` is stepped after backward() in a function the engine or trainer runs "
                       "every batch, and nothing in this file clears the gradients: they accumulate")  # fmt: skip
            return


def _steps(ctx: Context, call: ast.Call) -> bool:
    """`optimizer.step()`, or a call of a helper that steps."""
    return bool(ctx.optimizer_step(call)) or bool((t := resolve(ctx, call)) and effects(ctx, t.fn).steps)


def _grad_set_none(ctx: Context) -> bool:
    """`p.grad = None` somewhere in the file."""
    return any(isinstance(a, ast.Assign) and any(t.endswith(".grad") or t == "grad" for t in targets_of(a)) for a in ctx.assigns)


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
            calls = [c for c in walk(stmt) if isinstance(c, ast.Call)]
            if any(c in ctx.backwards for c in calls):
                kinds.append(("backward", stmt, None))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and method(stmt.value) == "zero_grad":
                kinds.append(("zero", stmt, receiver(stmt.value)))
            elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and _only_clears(ctx, stmt.value):
                kinds.append(("zero", stmt, None))  # `self.after_backward()` whose body clears the gradients
            elif _scan_clears(ctx, stmt):
                kinds.append(("zero", stmt, None))  # `for p in model.parameters(): p.grad = None`
            else:
                opt = next((o for c in calls if (o := ctx.optimizer_step(c))), None)
                if opt:
                    kinds.append(("step", stmt, opt))
        for i in range(1, len(kinds) - 1):
            (k0, _, _), (k1, z, zr), (k2, _, opt) = kinds[i - 1], kinds[i], kinds[i + 1]
            if (k0, k1, k2) == ("backward", "zero", "step") and (zr == opt or not ctx.is_optimizer(zr)):
                what = (f"`{zr}.zero_grad()`" if zr else "a loop that clears every gradient" if isinstance(z, ast.For)
                        else f"`{callee(z.value)}()`, which clears the gradients,")  # type: ignore[attr-defined]
                ctx.report(
                    ZERO_GRAD, z,
                    f"{what} between backward() and `{opt}.step()` erases the "
                    "gradients just computed: the step does nothing",
                )  # fmt: skip


def _scan_clears(ctx: Context, stmt: ast.stmt) -> bool:
    """A loop over parameters whose every statement clears a gradient (`p.grad = None`,
    `p.grad.zero_()`) and that calls nothing else that matters (no backward, no step)."""
    if not (isinstance(stmt, ast.For) and stmt.body and not stmt.orelse):
        return False
    for s in stmt.body:
        if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call) and _clears(ctx, s.value):
            continue
        if isinstance(s, ast.Assign) and _clears(ctx, s) and _empty(s.value):
            continue
        return False  # `p.grad = p.grad / world_size` rescales, it does not clear
    return True


def _empty(value: ast.expr) -> bool:
    """`None`, `torch.zeros_like(p)`: what a cleared gradient is set to."""
    return (isinstance(value, ast.Constant) and value.value is None) or (isinstance(value, ast.Call) and last(callee(value)) in ("zeros_like", "zeros"))


def _zero_between_inlined(ctx: Context) -> None:
    """A loop whose step is split over helpers or a runner's hooks (`self.train_step(batch)`
    backpropagates, then `self.call_hook("after_train_iter")` runs a hook that clears and then
    steps): read in order, helpers and hooks inlined, a clear met after a backward and before
    the next step, with no backward between, erases the gradients that step was to apply. The
    clear and the step must come from one body: two hooks of one call run in an order the file
    does not show."""
    if any(f.code == "TVL003" for f in ctx.findings):
        return
    for loop in sorted(_backward_loops(ctx), key=lambda n: (n.lineno, n.col_offset)):  # type: ignore[attr-defined]
        calls = sorted((n for n in walk_scope(loop) if isinstance(n, ast.Call)), key=lambda c: (c.lineno, c.col_offset))
        backward = False
        zero: tuple | None = None
        for kind, call, where, owner, name, path in _grad_events(ctx, calls, 0, None, None):
            if kind == "backward":
                backward, zero = True, None
            elif kind == "zero" and backward and not _branch(ctx, where, loop) and (tests := _guards(ctx, call, owner or loop)) is not None:
                zero = (call, where, owner, name, path, tests)
            elif kind == "step" and zero is not None:
                zcall, zwhere, zowner, zname, zpath, ztests = zero
                if not ztests <= (_guards(ctx, call, owner or loop) or set()) | (_guards(ctx, where, loop) or set()):
                    backward, zero = False, None  # a clear on a path of its own (`if norm > limit:`)
                    continue
                inlined = zowner is not None or owner is not None
                one_body = zowner == owner or zwhere is not where or _called_in_order(ctx, zpath, path)
                same_opt = zname == name or not (ctx.is_optimizer(zname) and ctx.is_optimizer(name)) or zowner != owner
                if inlined and one_body and same_opt:
                    ctx.report(
                        ZERO_GRAD, zwhere,
                        f"`{callee(zcall)}()` (line {zcall.lineno}) clears the gradients after the backward() "
                        f"of this loop and before `{name}.step()` (line {call.lineno}): the step does nothing",
                    )  # fmt: skip
                    return
                backward, zero = False, None
            elif kind == "step":
                backward = False


def _guards(ctx: Context, node: ast.AST, stop: ast.AST) -> set[str] | None:
    """The tests of the `if`s below `stop` whose body holds `node`, each as `self` would say it
    (a hook's `runner.is_update_iter()` is the runner's `self.is_update_iter()`): a clear under
    the very test that guards the step runs whenever the step does. None when `node` sits on
    any other branch (an `else`, a `try`, a loop, a conditional expression)."""
    fn = ctx.scope_of(node)
    params = [a.arg for a in fn.args.args if a.arg != "self"] if isinstance(fn, FUNCS) else []
    out, child = set(), node
    for a in ctx.ancestors(node):
        if a is stop:
            return out
        if isinstance(a, ast.If) and child is not a.test:
            if not any(child is s for s in a.body):
                return None
            text = ast.unparse(a.test)
            for p in params:
                text = re.sub(rf"\b{p}\.", "self.", text)
            out.add(text)
        elif isinstance(a, (ast.Try, ast.While, ast.IfExp, ast.Match)):
            return None
        child = a
    return out


def _branch(ctx: Context, node: ast.AST, stop: ast.AST) -> bool:
    """`node` sits in an `if`/`try`/`while` below `stop`: a clear on a skip path (`if norm >
    limit: opt.zero_grad(); return`) does not precede the step of the other path."""
    for a in ctx.ancestors(node):
        if a is stop:
            return False
        if isinstance(a, (ast.If, ast.Try, ast.While, ast.IfExp, ast.Match)):
            return True
    return False


def _grad_events(ctx: Context, calls: list[ast.Call], depth: int, where: ast.Call | None, owner: ast.AST | None,
                 path: tuple = ()) -> list[tuple]:
    """(kind, call, the loop's call it happens in, the inlined function it is in, optimizer,
    the chain of (call, function it ran) that led there) for each backward, gradient clear and
    optimizer step, in order; helpers and hooks of this file inlined two deep."""
    out: list[tuple] = []
    for c in calls:
        own = _own_backward(ctx, c) if c in ctx.backwards and depth < 2 else None
        if own is not None:  # `self.backward(loss)`: a method of this file, read in its order
            inner = sorted((n for n in walk_scope(own.fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
            out += _grad_events(ctx, inner, depth + 1, where or c, own.fn, (*path, (c, own.fn)))
        elif c in ctx.backwards:
            out.append(("backward", c, where or c, owner, None, path))
        elif _clears(ctx, c):
            out.append(("zero", c, where or c, owner, receiver(c), path))
        elif opt := ctx.optimizer_step(c):
            out.append(("step", c, where or c, owner, opt, path))
        elif depth < 2:
            # a runner's `call_hook("after_train_iter")` runs the hooks, not its own body's names
            targets = hook_targets(ctx, c) or ([t] if may_resolve(ctx, c) and (t := resolve(ctx, c)) is not None else [])
            for t in targets:
                inner = sorted((n for n in walk_scope(t.fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset))
                out += _grad_events(ctx, inner, depth + 1, where or c, t.fn, (*path, (c, t.fn)))
    return out


def _own_backward(ctx: Context, call: ast.Call) -> Target | None:
    """`self.backward(loss)` / `engine.backward(loss)` that runs a method of this file which
    itself backpropagates: what else that method does (clear, step) happens in its order."""
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None or t.fn is ctx.scope_of(call):
        return None
    return t if effects(ctx, t.fn).backward else None


def _called_in_order(ctx: Context, zpath: tuple, spath: tuple) -> bool:
    """The clear and the step were reached through two different calls of one function body
    (`self.backward(loss)` then `self.step()` in `run_batch`), or the step is in that body and
    the clear in a call before it (`self._call("after_backward")` then `self.opt.step()`), each
    made unconditionally: the file shows their order. (Two hooks one `call_hook` runs share the call: no order shown.)"""
    i = 0
    while i < min(len(zpath), len(spath)) and zpath[i] == spath[i]:
        i += 1
    if i >= len(zpath) or i < len(spath) and zpath[i][0] is spath[i][0]:
        return False  # (a step in the shared body itself, after the call that cleared, is in order)
    scope = zpath[i - 1][1] if i else None
    return scope is not None and all(not _branch(ctx, c, fn) for (c, _), (_, fn) in zip(zpath[i:], ((None, scope), *zpath[i:]), strict=False))


def _only_clears(ctx: Context, call: ast.Call) -> bool:
    """A helper of this file that clears gradients and neither backpropagates nor steps."""
    if not may_resolve(ctx, call) or (t := resolve(ctx, call)) is None:
        return False
    eff = effects(ctx, t.fn)
    return eff.clears and not eff.backward and not eff.steps


CHECKS = [check_zero_grad, check_eval_mode, check_step_gate]
