"""TVL004: training in evaluation mode. An `eval()` in the epoch loop (directly, in a helper,
or in a runner's hook) that nothing switches back, or before it with no `train()` in the file;
an optimizer step in a validation loop or function, directly or through a step helper the
training pass shares; and a shared pass function whose step escapes its `if train:` test."""

from __future__ import annotations

import ast
import re

from torchvitals.lint.calls import (
    Target,
    dispatched,
    effects,
    effects_of,
    may_resolve,
    merge,
    resolve,
)
from torchvitals.lint.ctor_attrs import with_ctor_attrs
from torchvitals.lint.dispatch import alternatives, may_effects, must_effects
from torchvitals.lint.engine import (
    OPTIMIZER_CLASSES,
    Context,
    block,
    callee,
    dotted,
    is_const,
    kwarg,
    last,
    method,
    receiver,
    walk_scope,
)
from torchvitals.lint.hooks import (
    as_runner_says,
    hook_self_says,
    hook_targets,
    merge_hooks,
    methods_named,
    runner_names,
)
from torchvitals.lint.rules.mode_gate import step_outside_mode_gate
from torchvitals.lint.rules.values import Env, call_env, truth
from torchvitals.lint.syntax import walk
from torchvitals.rules.base import document

EVAL_MODE = document(
    "TVL004",
    "eval-mode-training",
    what="`model.eval()` inside the training loop with no `model.train()` before the next "
    "training step (or before the loop, with no `model.train()` anywhere), or an optimizer "
    "step inside a validation loop or function (directly or through a step helper that "
    "training uses too).",
    why="After `eval()`, dropout is off and BatchNorm stops updating and uses running stats: "
    "from the second epoch on, the model trains in evaluation mode. Stepping the optimizer "
    "on validation data trains on it and makes the validation metric meaningless.",
    example="for epoch in range(epochs):\n    for x, y in train_loader:\n        ...\n"
    "        optimizer.step()\n    model.eval()              # never switched back\n"
    "    validate(model)",
    fix="Call `model.train()` at the start of each training epoch; keep validation under "
    "`torch.no_grad()` with no `backward()` or `step()`.",
)


def _calls_in(node: ast.AST) -> list[ast.Call]:
    return [n for n in walk_scope(node) if isinstance(n, ast.Call)]


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


# ---- TVL004 ---------------------------------------------------------------------------------

_VAL_LOADER = re.compile(
    r"^(val|valid|validation|test|eval|dev)_?(loader|dl|dataloader|data_loader|iter|batches|set|dataset|data|ds)$"
)
_VAL_KEY = re.compile(r"^(val|valid|validation|test|eval|dev|holdout)$")  # loaders["val"]
_VAL_FUNC = re.compile(
    r"^(validation_step|test_step|validate\w*|evaluate\w*|eval_(epoch|one_epoch|model|loop)\w*|"
    r"(run_|do_)?val(id)?_(fn|func|epoch|step|loop|one_epoch)\w*|test_(epoch|loop|one_epoch)\w*|run_(validation|eval)\w*|"
    r"(run_|do_)?(val|valid|validation|test|eval)|test_model)$"
)


def check_eval_mode(ctx: Context) -> None:
    trained = {t for t in _trained(ctx) if not _probed(ctx, t)}
    for loop in {ls[-1] for b in ctx.backwards if (ls := ctx.loops_around(b))}:
        # The outermost loop around backward: the epoch loop.
        calls = _calls_in(loop)
        if not any(c in ctx.backwards for c in calls):
            continue
        trains = {receiver(c) for c in calls if method(c) == "train" and not _train_off(ctx, c)}
        trains |= {k for c in calls if method(c) == "train" and not _train_off(ctx, c) for k in _override_trains(ctx, c)}
        trains |= effects_of(ctx, [c for c in calls if method(c) != "train"]).trains  # a helper called in the loop may switch back
        for c in calls:
            m, recv = method(c), receiver(c)
            is_eval = (m == "eval" and not c.args) or (m == "train" and _train_off(ctx, c))
            if not is_eval or recv not in trained:
                continue
            if any(t and (recv == t or recv.startswith(t + ".")) for t in trains):
                continue
            said = f"`{recv}.eval()`" if m == "eval" else f"`{ast.unparse(c)}` (false on every pass: evaluation mode)"
            ctx.report(
                EVAL_MODE, c,
                f"{said} inside the training loop and `{recv}.train()` is never called "
                "again in it: later iterations train in eval mode (dropout off, BatchNorm frozen)",
            )  # fmt: skip
    _eval_in_helpers(ctx, trained)
    _eval_before_training(ctx)
    told = step_outside_mode_gate(ctx, EVAL_MODE)
    _steps_in_validation(ctx, told)


def _override_trains(ctx: Context, call: ast.Call) -> set[str]:
    """`wrapper.train()` where the wrapper's class (of this file) overrides `train` to switch
    the modules it holds (`self.student.train(mode)`): those modules, as the caller names them
    (`student`, when `wrapper = Wrapper(student, teacher)` is built in the caller's scope)."""
    t = resolve(ctx, call) if may_resolve(ctx, call) else None
    if t is None or t.fn.name != "train" or t.self_key in (None, "self"):
        return set()
    t = with_ctor_attrs(ctx, t, call)
    return {k for e in effects(ctx, t.fn).trains if (k := t.rename(e))}


def _eval_before_training(ctx: Context) -> None:
    """`model.eval()` before the training loop, in the same block (a model loaded as for
    inference, then fine-tuned), on a model an optimizer of the file updates, and no
    `.train()` call anywhere in the file: every step of the loop trains in eval mode."""
    if any(method(c) == "train" and not _train_off(ctx, c) for c in ctx.calls):
        return  # something switches some model back: the file's order is not followed here
    optimized = {_bare(m) for ms in ctx.optimizers.values() for m in ms}
    for loop in {ls[-1] for b in ctx.backwards if (ls := ctx.loops_around(b))}:
        body = next((b for f in ("body", "orelse") if loop in (b := block(ctx.parent.get(loop), f))), [])
        for stmt in body[: body.index(loop)] if loop in body else []:
            c = stmt.value if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) else None
            if c is None or not (method(c) == "eval" and not c.args or method(c) == "train" and _train_off(ctx, c)):
                continue
            if (recv := receiver(c)) and _bare(recv) in optimized and not _probed(ctx, recv):
                ctx.report(EVAL_MODE, c, f"`{recv}` is put in eval mode before the training loop (line {loop.lineno}) and "
                           "nothing in this file calls `.train()`: every step trains in eval mode (dropout off, BatchNorm frozen)")  # fmt: skip


def _probed(ctx: Context, key: str) -> bool:
    """The file freezes this model's parameters in a loop (`for n, p in model.named_parameters():
    if n not in head: p.requires_grad = False`): linear probing on frozen features keeps the
    whole model in eval mode on purpose, so the frozen BatchNorm statistics do not move."""
    if "probed" not in ctx.memo:
        ctx.memo["probed"] = {_bare(r) for a in ctx.assigns if (r := _freezes_all_but_head(ctx, a))}
    return _bare(key) in ctx.memo["probed"]


def _freezes_all_but_head(ctx: Context, a: ast.AST) -> str | None:
    """The model whose parameters `a` (`p.requires_grad = False`) freezes in a loop over all of
    them, unconditionally or for every name but some (`if n not in head:`, `if not
    n.startswith("fc")`); a loop freezing only names that start with a prefix is not one."""
    if not (isinstance(a, ast.Assign) and is_const(a.value, False)
            and any(isinstance(t, ast.Attribute) and t.attr == "requires_grad" for t in a.targets)):
        return None
    up = ctx.parent.get(a)
    if isinstance(up, ast.If):
        t = up.test
        negated = (isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.NotIn)) or (
            isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not) and isinstance(t.operand, ast.Call)
            and method(t.operand) == "startswith")
        if not negated or a not in up.body:
            return None
        up = ctx.parent.get(up)
    if isinstance(up, ast.For) and isinstance(up.iter, ast.Call) and method(up.iter) in ("parameters", "named_parameters"):
        return receiver(up.iter)
    return None


def _train_off(ctx: Context, call: ast.Call) -> bool:
    """`model.train(False)` / `model.train(mode=False)`: evaluation mode, said another way; also
    `model.train(phase == "training")` where the file never gives the test a true value (the
    phases are named "train" and "val")."""
    given = call.args[0] if call.args else kwarg(call, "mode")
    return given is not None and (is_const(given, False) or not isinstance(given, ast.Constant) and truth(ctx, given) is False)


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
    # `validate = quick_val if fast else full_val` in the loop: one of several runs (dispatch.py)
    picked = {c: alts for c in ctx.calls if may_resolve(ctx, c) and resolve(ctx, c) is None and len(alts := alternatives(ctx, c)) > 1}
    loops |= {ls[-1] for c in picked if (ls := ctx.loops_around(c))}
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
        runner = runner_names(ctx, calls)  # `h.trainer.model` in a hook is the runner's `self.model`
        trains = {_bare(as_runner_says(t, runner)) for t in eff.trains}
        trains |= {_bare(k) for c in calls if method(c) == "train" and not _train_off(ctx, c) for k in _override_trains(ctx, c)}
        trains |= {_bare(k) for c in calls for t in hook_targets(ctx, c) if t.self_key is None
                   for e in effects(ctx, t.fn).trains if (k := hook_self_says(ctx, c, e))}  # fmt: skip
        seen: set[str] = set()
        for c in calls:
            one = resolve(ctx, c)
            targets = [one] if one else dispatched(ctx, c) if dispatch else []
            targets = [*targets, *hook_targets(ctx, c)]  # `self._cb("on_epoch_end")`: _cb and the hooks it runs by name
            keys = [as_runner_says(t.rename(e) or "", runner) or (hook_self_says(ctx, c, e) if t.self_key is None else "")
                    for t, e in sorted({(x, e) for x in targets for e in effects(ctx, x.fn).evals}, key=lambda te: te[1])]
            if c in picked:  # every alternative switches it, none switches it back (the message says "nothing")
                keys += sorted(must_effects(ctx, picked[c]).evals - may_effects(ctx, picked[c]).trains)
            for k in keys:
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


_COMPS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _validation_context(ctx: Context, node: ast.AST) -> str | None:
    """How `node` sits in validation: in a loop over validation data (by the loader's name or a
    `loaders["val"]` key) or in a validation function (by its name); None when it does not."""
    for a in ctx.ancestors(node):
        # a comprehension's `for` (`[step(b) for b in val_loader]`) loops as a statement does
        iters = [a.iter] if isinstance(a, (ast.For, ast.AsyncFor)) else [g.iter for g in a.generators] if isinstance(a, _COMPS) else []
        for it in iters:
            names = [last(dotted(n)) for n in walk(it) if isinstance(n, (ast.Name, ast.Attribute))]
            names += [n.value for n in walk(it) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            keys = [k.slice.value for k in walk(it) if isinstance(k, ast.Subscript)
                    and isinstance(k.slice, ast.Constant) and isinstance(k.slice.value, str)]  # fmt: skip
            if any(_VAL_LOADER.match(x.lower()) for x in names if x) or any(_VAL_KEY.match(k.lower()) for k in keys):
                return "a loop over validation data"
        if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return f"`{a.name}()`, a validation function" if _VAL_FUNC.match(a.name) else None
    return None


def _steps_in_validation(ctx: Context, told: set[ast.Call]) -> None:
    for c in ctx.calls:
        opt = ctx.optimizer_step(c)
        if opt and (where := _validation_context(ctx, c)):
            ctx.report(EVAL_MODE, c, f"`{opt}.step()` inside {where}: the model trains on the data it is evaluated on")
    _step_helper_in_validation(ctx, told)


def _step_helper_in_validation(ctx: Context, told: set[ast.Call]) -> None:
    """A step shared by training and validation: a helper of this file that always steps the
    optimizer (`_shared_step`: forward, backward, `optimizer.step()`) is called, unconditionally,
    in a validation function or loop (or handed validation data), and also from outside validation (the training pass): the
    validation pass reuses the training step and trains on the data it evaluates. A helper that
    only validation calls (a search objective that trains candidates) is not judged."""
    sites: dict[ast.AST, list[tuple[ast.Call, str | None]]] = {}
    for c in ctx.calls:
        if ctx.optimizer_step(c) or not may_resolve(ctx, c) or (t := resolve(ctx, c)) is None:
            continue
        sites.setdefault(t.fn, []).append((c, _validation_context(ctx, c) or _given_validation_data(c)))
    for fn, calls in sites.items():
        if all(where for _, where in calls):
            continue
        for c, where in calls:
            if not where or c in told or _conditional(ctx, c) or _trains_here(ctx, c):
                continue
            if (opt := _always_steps(ctx, fn)) is not None:
                how = "on every call"
            elif (opt := _steps_given(ctx, fn, resolve(ctx, c))) is not None:
                how = "whenever it is handed an optimizer, as here,"
            elif (opt := _steps_given(ctx, fn, resolve(ctx, c), call_env(ctx, c))) is not None:
                how = "when called with the arguments given here"
            else:
                continue
            ctx.report(EVAL_MODE, c, f"`{callee(c)}()` steps `{opt}` {how} and the training pass uses it "
                       f"too; here it runs in {where}: the model trains on the data it is evaluated on")  # fmt: skip


def _given_validation_data(call: ast.Call) -> str | None:
    """The call hands over validation data by its name (`run_epoch(model, val_loader, ...)`,
    `loaders["val"]`) and no training data: the pass it runs is an evaluation pass wherever it
    is written (an epoch loop calling one shared pass twice)."""
    given = [*call.args, *(k.value for k in call.keywords)]
    names = [last(dotted(a)) or "" for a in given]
    keys = [a.slice.value for a in given if isinstance(a, ast.Subscript) and isinstance(a.slice, ast.Constant) and isinstance(a.slice.value, str)]
    if any(n.lower().startswith("train") for n in names) or any(k.lower().startswith("train") for k in keys):
        return None
    found = next((n for n in names if _VAL_LOADER.match(n.lower())), None) or next((f'["{k}"]' for k in keys if _VAL_KEY.match(k.lower())), None)
    return f"a call handed validation data (`{found}`)" if found else None


def _always_steps(ctx: Context, fn: ast.AST, depth: int = 0) -> str | None:
    """The optimizer `fn` steps on every call: a step (or a call of a helper that always steps)
    under no `if`, `except` or conditional expression of its body."""
    for n in walk_scope(fn):
        if not isinstance(n, ast.Call) or _conditional(ctx, n):
            continue
        if opt := ctx.optimizer_step(n):
            return opt
        if depth < 1 and may_resolve(ctx, n) and (t := resolve(ctx, n)) is not None and t.fn is not fn:
            if (opt := _always_steps(ctx, t.fn, depth + 1)) is not None:
                return t.rename(opt) or opt
    return None


def _trains_here(ctx: Context, call: ast.Call) -> bool:
    """A validation function that builds its own optimizer (`def evaluate_lr(lr): opt =
    AdamW(...)` training candidates to compare them), or a call given training data by name: a
    deliberate training run inside something named like validation."""
    fn = ctx.scope_of(call)
    if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and _VAL_FUNC.match(fn.name):
        if any(isinstance(n, ast.Call) and last(callee(n)) in OPTIMIZER_CLASSES for n in walk_scope(fn)):
            return True
    given = [last(dotted(a)) for a in [*call.args, *(k.value for k in call.keywords)]]
    return any(g.lower().startswith("train") for g in given if g)


_BRANCHES = (ast.If, ast.IfExp, ast.ExceptHandler, ast.Match, ast.BoolOp)


def _steps_given(ctx: Context, fn: ast.AST, t: Target | None, env: Env | None = None) -> str | None:
    """The optimizer `fn` steps when called as `t` says: a step whose every branch is an `if`
    on a parameter the call passes an optimizer for (`if optimizer is not None: optimizer.step()`
    in a `run_batch(model, batch, optimizer)` that evaluate() reuses, handing its optimizer on),
    or an `if` the shared evaluator decides with the call's arguments (`env`): a pass shared by
    both phases that steps `if grad:` and that validation calls with `grad=True` (to read
    input gradients) steps on validation data. A call that passes None, or a test nothing
    decides, leaves the step conditional."""
    if t is None:
        return None
    given = {p: ctx.is_optimizer(arg) for p, arg in t.params}
    for n in walk_scope(fn):
        if isinstance(n, ast.Call) and (opt := ctx.optimizer_step(n)) and _taken(ctx, n, fn, given, env or ()):
            return t.rename(opt) or opt
    return None


def _taken(ctx: Context, node: ast.AST, fn: ast.AST, given: dict[str, bool], env: Env = ()) -> bool:
    """Every branch between `node` and `fn` is an `if` that `given` (parameter -> an optimizer
    is passed for it), or else the evaluator reading the call's arguments `env`, decides
    towards `node`."""
    child = node
    for a in ctx.ancestors(node):
        if a is fn:
            return True
        if isinstance(a, ast.If):
            side = _optimizer_passed(a.test, given)
            if side is None and env:
                side = truth(ctx, a.test, env)
            if side is None or child not in (a.body if side else a.orelse):
                return False
        elif isinstance(a, _BRANCHES):
            return False
        child = a
    return False


def _optimizer_passed(test: ast.expr, given: dict[str, bool]) -> bool | None:
    """`p`, `p is not None`, `p is None`, `not p` for a parameter `p` bound to an optimizer:
    what the test reads; None when it is not such a test."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = _optimizer_passed(test.operand, given)
        return None if inner is None else not inner
    if isinstance(test, ast.Name):
        return True if given.get(test.id) else None
    if (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.left, ast.Name) and given.get(test.left.id)
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None):
        return {ast.IsNot: True, ast.Is: False}.get(type(test.ops[0]))
    return None


def _conditional(ctx: Context, node: ast.AST) -> bool:
    """`node` runs only on some calls of its function: under an `if`, an `except`, a `match`
    or a conditional expression. (A loop's body runs for every batch it is given.)"""
    for a in ctx.ancestors(node):
        if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module)):
            return False
        if isinstance(a, _BRANCHES):
            return True
    return False


CHECKS = [check_eval_mode]
