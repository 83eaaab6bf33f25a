"""TVL007: the learning-rate scheduler stepped before the optimizer, or an epoch schedule
stepped every batch (in the loop itself, or in a helper the epoch loop calls)."""

from __future__ import annotations

import ast

from torchvitals.lint.calls import FUNCS, resolve
from torchvitals.lint.dispatch import callers, loops_above
from torchvitals.lint.engine import (
    LOOPS,
    SCHEDULER_CLASSES,
    Context,
    callee,
    dotted,
    kwarg,
    last,
    method,
    receiver,
    walk_scope,
)
from torchvitals.lint.hooks import per_batch_functions
from torchvitals.lint.options import literal_or_setting, option_words
from torchvitals.lint.rules.config_branches import literal_value
from torchvitals.lint.rules.loaders import config_field
from torchvitals.lint.rules.schedule_objects import (
    built_schedules,
    collection_schedule,
    given_args,
    handler_object_schedule,
    loop_targets,
    object_schedule_in_loops,
    per_batch_object_step,
)
from torchvitals.lint.rules.values import Made, Seq, argument, called, made
from torchvitals.lint.syntax import positional, walk
from torchvitals.rules.base import document

SCHED_ORDER = document(
    "TVL007",
    "scheduler-order",
    what="`scheduler.step()` is called before `optimizer.step()` in the same loop (or per-batch "
    "function), or an epoch-based scheduler (StepLR, MultiStepLR, ExponentialLR; a cosine period, "
    "a plateau patience or a warm-up length counted in epochs; a SequentialLR chain of them) is "
    "stepped in the batch loop or a function run once per batch.",
    why="Stepping the scheduler first skips the first value of the schedule (PyTorch warns "
    "once, then the run continues). An epoch schedule stepped per batch decays the learning "
    "rate hundreds of times too fast: after a few epochs the model stops learning.",
    example="for x, y in loader:\n    scheduler.step()\n    loss.backward()\n    optimizer.step()",
    fix="Call `optimizer.step()` first, then `scheduler.step()`; step epoch-based schedulers "
    "once per epoch, outside the batch loop.",
)



def _calls_in(node: ast.AST) -> list[ast.Call]:
    return [n for n in walk_scope(node) if isinstance(n, ast.Call)]


def check_scheduler(ctx: Context) -> None:
    _interval_step(ctx)
    _collection_steps(ctx)
    for c in ctx.calls:
        recv = receiver(c)
        if method(c) != "step" or not _is_schedule(ctx, c, recv) or ctx.optimizer_step(c):
            continue
        loops = ctx.loops_around(c)
        if _periodic_gate(ctx, c):  # `if it % iters_per_epoch == 0: sched.step()`: maybe once an epoch
            _order_only(ctx, c, recv or "", loops)
            continue
        if not loops and (cls := per_batch_object_step(ctx, c, lambda k, v: _epoch_ctor(ctx, k, v))):
            ctx.report(SCHED_ORDER, c, f"`{recv}` ({cls}) is an epoch schedule stepped every batch (this "
                       "method runs once per batch): the learning rate decays far faster than intended")  # fmt: skip
            continue
        if not loops and _in_per_batch_handler(ctx, c) and (cls := _epoch_schedule(ctx, recv or "") or handler_object_schedule(
                ctx, c, lambda k, v: _epoch_ctor(ctx, k, v))):  # fmt: skip
            ctx.report(SCHED_ORDER, c, f"`{recv}` ({cls}) is an epoch schedule stepped every batch (in a handler "
                       "the engine runs every iteration): the learning rate decays far faster than intended")  # fmt: skip
            continue
        if not loops:
            fn = ctx.scope_of(c)  # a per-batch helper: train_step(batch, optimizer, scheduler)
            if _helper_order(ctx, c, recv or "", fn):
                continue
            if any(ctx.optimizer_step(n) for n in _calls_in(fn)) and (key := _epoch_key(ctx, c, recv or "", 0)):
                ctx.report(SCHED_ORDER, c, f"`{recv}` ({key[1]}) is an epoch schedule stepped "
                           "every batch (in a helper called per batch): the learning rate decays far faster than intended")  # fmt: skip
            continue
        steps = _order_only(ctx, c, recv or "", loops)
        if steps and all(s.lineno > c.lineno for s in steps):
            continue
        if steps and (key := _epoch_key(ctx, c, recv or "", len(loops))):
            ctx.report(
                SCHED_ORDER, c,
                f"`{recv}` ({key[1]}) is an epoch schedule stepped every "
                "batch: the learning rate decays far faster than intended",
            )  # fmt: skip


def _collection_steps(ctx: Context) -> None:
    """`for s in schedulers: s.step()` run once per batch, the file's schedules all counted in epochs."""
    for c in ctx.calls:
        if method(c) == "step" and (cls := collection_schedule(ctx, c, lambda k, v: _epoch_ctor(ctx, k, v))):
            ctx.report(SCHED_ORDER, c, f"`{receiver(c)}` steps each schedule of `{dotted(ctx.loops_around(c)[0].iter)}` "  # type: ignore[attr-defined]
                       f"once per batch, and the file builds them as {cls}, an epoch schedule: the learning rate "
                       "decays far faster than intended")  # fmt: skip


def _is_schedule(ctx: Context, step: ast.Call, recv: str | None) -> bool:
    """`recv` is a scheduler by its name or constructor, or (whatever its name: `decay`) it is
    bound to what a builder of this file returns when that is a scheduler, or it is a parameter
    of the stepping function that a caller passes such a name for."""
    if ctx.is_scheduler(recv):
        return True
    if not recv or "." in recv:
        return False
    if any(isinstance(v, ast.Call) and built_schedules(ctx, v) for v in ctx.values.get(recv, [])):
        return True
    fn = ctx.scope_of(step)
    if not isinstance(fn, FUNCS) or recv not in [a.arg for a in fn.args.args]:
        return False
    for k in ctx.calls:
        t = resolve(ctx, k) if callee(k) == fn.name else None
        key = dict(t.params).get(recv) if t is not None and t.fn is fn else None
        if key and "." not in key and (ctx.is_scheduler(key) or any(isinstance(v, ast.Call) and built_schedules(ctx, v) for v in ctx.values.get(key, []))):
            return True
    return False


def _order_only(ctx: Context, c: ast.Call, recv: str, loops: list[ast.AST]) -> list[ast.Call]:
    """The optimizer steps of the loop around `c`; reports `c` when all of them come after it."""
    if not loops:
        return []
    inner = loops[0]
    steps = [n for n in _calls_in(inner) if ctx.optimizer_step(n) and ctx.loops_around(n)[:1] == [inner]]
    if steps and all(s.lineno > c.lineno for s in steps):
        ctx.report(SCHED_ORDER, c, f"`{recv}.step()` comes before `{ctx.optimizer_step(steps[0])}.step()` "
                   f"(line {steps[0].lineno}): the first value of the schedule is skipped")  # fmt: skip
    return steps


def _helper_order(ctx: Context, c: ast.Call, recv: str, fn: ast.AST) -> bool:
    """`scheduler.step()` before every `optimizer.step()` of a function with no loop of its own
    (a train_step) that a loop calls: each call skips ahead of the optimizer, like the same two
    lines in the loop. Both must run unconditionally in the function (reported: True)."""
    if not isinstance(fn, FUNCS) or any(not isinstance(a, (ast.Expr, *FUNCS)) for a in ctx.ancestors(c)):
        return False
    steps = [n for n in _calls_in(fn) if ctx.optimizer_step(n)]
    if not steps or any(s.lineno <= c.lineno or any(isinstance(a, (ast.If, ast.Try, *LOOPS)) for a in ctx.ancestors(s)) for s in steps):
        return False
    if not any(loop_targets(ctx, k) for k in ctx.calls if method(k) == fn.name or callee(k) == fn.name):
        return False
    ctx.report(SCHED_ORDER, c, f"`{recv}.step()` comes before `{ctx.optimizer_step(steps[0])}.step()` "
               f"(line {steps[0].lineno}) in `{fn.name}()`, which runs every batch: the first value of the schedule is skipped")  # fmt: skip
    return True




def _periodic_gate(ctx: Context, step: ast.Call) -> bool:
    """`step` runs under an `if` (in its loop or method) whose test counts (`it % n == 0`,
    `if batch_idx == len(loader) - 1`, `if i + 1 == iters_per_epoch`) or reads an epoch flag
    (`if end_of_epoch:`, `if not self.by_epoch:`): it may run once an epoch, so stepping an epoch schedule there is not
    judged. (`if epoch >= warmup_epochs:` still steps every batch and is judged.)"""
    for a in ctx.ancestors(step):
        if isinstance(a, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            return False
        if isinstance(a, ast.If) and (_epoch_flag(a.test) or any(
            isinstance(n, ast.Mod) or (isinstance(n, ast.Call) and callee(n) == "len")
            or (isinstance(n, ast.Compare) and isinstance(n.ops[0], ast.Eq) and any(_epochish(x) for x in walk(n)))
            for n in walk(a.test)
        )):  # fmt: skip
            return True
    return False


def _epoch_flag(test: ast.expr) -> bool:
    """`if end_of_epoch:`, `if not self.by_epoch:`, `if self.by_epoch and ...`: a flag about
    epochs decides whether this step runs."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    if isinstance(test, ast.BoolOp):
        return any(_epoch_flag(v) for v in test.values)
    return _epochish(test)


def _epochish(n: ast.AST) -> bool:
    return isinstance(n, (ast.Name, ast.Attribute)) and "epoch" in (dotted(n) or "").lower()


def _interval_step(ctx: Context) -> None:
    """Lightning's `{"scheduler": sched, "interval": "step"}`: the trainer steps `sched` every
    batch, so an epoch schedule there decays per batch."""
    if "interval" not in ctx.text:
        return
    for d in walk(ctx.tree):
        if not isinstance(d, ast.Dict):
            continue
        entries = {k.value: v for k, v in zip(d.keys, d.values, strict=True) if isinstance(k, ast.Constant)}
        every, sched = entries.get("interval"), entries.get("scheduler")
        if not (isinstance(every, ast.Constant) and every.value == "step") or sched is None:
            continue
        cls = _epoch_schedule(ctx, sched.id) if isinstance(sched, ast.Name) else None
        if isinstance(sched, ast.Call) and last(callee(sched)) in SCHEDULER_CLASSES and _epoch_ctor(ctx, last(callee(sched)), sched):
            cls = last(callee(sched))
        if cls:
            ctx.report(SCHED_ORDER, d, f"an epoch schedule ({cls}) is given to the trainer with `\"interval\": \"step\"`: "
                       "it is stepped every batch and the learning rate decays far faster than intended")  # fmt: skip


def _in_per_batch_handler(ctx: Context, step: ast.Call) -> bool:
    """`step` sits (directly) in a function or lambda an engine runs every iteration, or in a
    framework callback's per-batch hook (`on_train_batch_end` of a Lightning Callback)."""
    scope = next((a for a in ctx.ancestors(step) if isinstance(a, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))), None)
    if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef)) and scope.name in _BATCH_HOOKS:
        cls = ctx.parent.get(scope)
        own = {c.name for c in ctx.classes}
        if isinstance(cls, ast.ClassDef) and any(last(dotted(b)) in _HOOK_BASES and last(dotted(b)) not in own for b in cls.bases):
            return True
    handlers = per_batch_functions(ctx)
    return any(scope is fn for fn in handlers)


# Methods a training framework runs once per batch (or optimizer step) on a callback object of
# one of its classes: Lightning (`Callback`), Hugging Face (`TrainerCallback`), Keras, mmcv.
_BATCH_HOOKS = {
    "on_train_batch_end", "on_train_batch_start", "on_train_batch_begin", "on_before_optimizer_step",
    "on_after_backward", "on_before_backward", "on_before_zero_grad", "on_step_end", "on_step_begin",
    "on_batch_end", "on_batch_begin", "on_optimizer_step", "after_train_iter", "before_train_iter",
}  # fmt: skip
_HOOK_BASES = {"Callback", "TrainerCallback", "Hook"}


def _epoch_key(ctx: Context, step: ast.Call, recv: str, nloops: int) -> tuple[str, str] | None:
    """The epoch schedule stepped here in a batch loop: `recv` itself inside an epoch loop, or,
    in a helper with one loop (train_one_epoch(..., scheduler)), what the callers pass for the
    parameter `recv` from inside their own loop; in a helper with none (a per-batch train_step),
    from inside two loops. (The name, the scheduler class.)"""
    if nloops >= 2:
        return (recv, cls) if (cls := _epoch_schedule(ctx, recv) or _evaluated_schedule(ctx, step)) else None
    fn = ctx.scope_of(step)
    if nloops == 1 and _over_epochs(ctx.loops_around(step)[0]):
        return None  # the function's own loop is the epoch loop (full-batch training run per fold or seed)
    if "." in recv:  # `self.scheduler` in a method with a batch loop that an epoch loop runs
        cls = object_schedule_in_loops(ctx, step, lambda k, v: _epoch_ctor(ctx, k, v), 1 if nloops else 2)
        return (recv, cls) if cls else None
    if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    for c in ctx.calls:
        if callee(c) != fn.name or len(loop_targets(ctx, c)) < (1 if nloops else 2):
            continue
        t = resolve(ctx, c)
        key = dict(t.params).get(recv) if t is not None and t.fn is fn else None
        if key and (cls := _epoch_schedule(ctx, key)):
            return key, cls
    for c, t in callers(ctx, fn):  # run through a value, a hook, a method: the scheduler as the caller names it
        key = t.rename(recv)
        if key and loops_above(ctx, c) >= (1 if nloops else 2) and (cls := _epoch_schedule(ctx, key)):
            return key, cls
    return None


def _over_epochs(loop: ast.AST) -> bool:
    """`for epoch in range(n)`, `for ep in range(cfg.epochs)`, `while epoch < max_epochs`: a loop
    whose counter or bound speaks of epochs."""
    if isinstance(loop, (ast.For, ast.AsyncFor)):
        parts = [loop.target, loop.iter]
    else:
        parts = [getattr(loop, "test", None)]
    names = [last(dotted(n)).lower() for p in parts if p is not None for n in walk(p) if isinstance(n, (ast.Name, ast.Attribute))]
    return any("epoch" in n or n == "ep" for n in names)


def _epoch_schedule(ctx: Context, key: str) -> str | None:
    """The class of the StepLR/MultiStepLR/ExponentialLR... `key` holds when it is built with
    epoch-sized numbers, directly or by a builder of this file (`build_scheduler(opt, cfg)`)."""
    cls = ctx.schedulers.get(key)
    for v in ctx.values.get(key, []):
        if isinstance(v, ast.Call) and cls:
            return cls if _epoch_ctor(ctx, cls, v) else None
    made = [b for v in ctx.values.get(key, []) if isinstance(v, ast.Call) for b in built_schedules(ctx, v)]
    if made and all(_epoch_ctor(ctx, built, ctor) for built, ctor in made):  # a builder with a per-batch branch: unknown
        return made[0][0]
    return None


def _evaluated_schedule(ctx: Context, step: ast.Call) -> str | None:
    """The class of the scheduler `step` steps, as the shared evaluator reads the receiver (a class
    picked from a registry by a config key, its period from a settings dict), when every way the
    file builds it gives one class with an epoch-sized period."""
    found = made(ctx, step.func.value) if isinstance(step.func, ast.Attribute) else None
    classes = set()
    for m in found or []:
        cls = called(ctx, m)
        if cls is None or not _epoch_period(ctx, cls, m):
            return None
        classes.add(cls)
    return classes.pop() if len(classes) == 1 else None


def _epoch_period(ctx: Context, cls: str, m: Made) -> bool:
    """StepLR's step size, MultiStepLR's milestones, ExponentialLR's gamma, as the call of `m` is
    made, all of the size an epoch count has (the thresholds of `_epoch_ctor`)."""
    if cls == "StepLR":
        vals = argument(ctx, m, 1, "step_size")
        return bool(vals) and all(isinstance(v, int) and not isinstance(v, bool) and 0 < v < 100 for v in vals)  # type: ignore[union-attr]
    if cls == "MultiStepLR":
        vals = argument(ctx, m, 1, "milestones")
        return bool(vals) and all(isinstance(v, Seq) and v.items and all(isinstance(x, int) and 0 < x < 300 for x in v.items) for v in vals)  # type: ignore[union-attr]
    if cls == "ExponentialLR":
        vals = argument(ctx, m, 1, "gamma")
        return bool(vals) and all(isinstance(v, float) and 0 < v < 0.99 for v in vals)  # type: ignore[union-attr]
    if cls in _PERIOD_ARGS:  # a cosine period, a ramp's length: named as the epoch count
        return _period_in_epochs(ctx, m.node, *_PERIOD_ARGS[cls])  # type: ignore[arg-type]
    return False


# Where the period of a schedule whose length is a count of steps is passed (position, keyword).
_PERIOD_ARGS = {
    "CosineAnnealingLR": (1, "T_max"), "CosineAnnealingWarmRestarts": (1, "T_0"),
    "PolynomialLR": (2, "total_iters"), "LinearLR": (3, "total_iters"), "ConstantLR": (2, "total_iters"),
}  # fmt: skip


def _period_in_epochs(ctx: Context, ctor: ast.Call, index: int, name: str) -> bool:
    """The period of a schedule built in a helper (`CosineAnnealingLR(opt, T_max=cfg.max_epochs)`
    in `configure_optimizers(model, cfg)`) reads as an epoch count. A bare parameter of the helper
    (`T_max=total`) counts only when every call of the helper passes an epoch count for it (not
    `epochs * len(loader)`)."""
    raw = kwarg(ctor, name) or (ctor.args[index] if len(ctor.args) > index and not any(
        isinstance(a, ast.Starred) for a in ctor.args[: index + 1]) else None)  # fmt: skip
    fn = ctx.scope_of(ctor)
    if isinstance(raw, ast.Name) and isinstance(fn, FUNCS) and raw.id in positional(fn):
        given = [dict(given_args(fn, c)).get(raw.id) for c in ctx.calls if callee(c) == fn.name]
        return bool(given) and all(g is not None and _counts_epochs(ctx, g) for g in given)
    return _counts_epochs(ctx, raw)


def _epoch_ctor(ctx: Context, cls: str, v: ast.Call) -> bool:
    """A scheduler constructor call of class `cls` whose period is counted in epochs."""
    v = _with_config_kwargs(ctx, v)
    if cls in ("StepLR", "MultiStepLR"):
        raw = v.args[1] if len(v.args) > 1 else next((k.value for k in v.keywords if k.arg in ("step_size", "milestones")), None)
        if "epoch" in option_words(ctx, raw):  # --decay_epochs, help="epochs at which to decay lr"
            return True
        if _named_in_epochs(raw) or cls == "StepLR" and isinstance(raw, (ast.BinOp, ast.Call)) and _counts_epochs(ctx, raw):
            return True
        if isinstance(raw, ast.List) and raw.elts and all(isinstance(e, (ast.BinOp, ast.Call)) and _counts_epochs(ctx, e) for e in raw.elts):
            return True  # milestones=[epochs // 2, int(0.75 * epochs)]
        n = config_field(ctx, raw) or literal_or_setting(ctx, raw)  # cfg.step_size of a dataclass config
        if raw is not None and not isinstance(n, (ast.Constant, ast.List, ast.Tuple)):
            n = literal_value(ctx, raw, ctx.tree) or n  # `cfg["sched"]["step_size"]` with `cfg = CONFIG`, a section not overridden
    if cls == "StepLR":
        return isinstance(n, ast.Constant) and isinstance(n.value, int) and n.value < 100
    if cls == "MultiStepLR":
        vals = [e.value for e in getattr(n, "elts", []) if isinstance(e, ast.Constant)]
        return bool(vals) and all(isinstance(x, int) and x < 300 for x in vals)
    if cls in ("CosineAnnealingLR", "CosineAnnealingWarmRestarts"):  # T_max / T_0 = the epoch count
        n = v.args[1] if len(v.args) > 1 else next((k.value for k in v.keywords if k.arg in ("T_max", "T_0")), None)
        return _counts_epochs(ctx, n)
    if cls == "ReduceLROnPlateau":  # patience counted in steps: 10 by default, meant as epochs
        n = v.args[3] if len(v.args) > 3 else next((k.value for k in v.keywords if k.arg == "patience"), None)
        if n is None or "epoch" in option_words(ctx, n):
            return True
        n = literal_or_setting(ctx, n)
        return isinstance(n, ast.Constant) and isinstance(n.value, int) and n.value < 50
    if cls in ("PolynomialLR", "LinearLR", "ConstantLR"):  # total_iters = an epoch count
        n = v.args[3 if cls == "LinearLR" else 2] if len(v.args) > (3 if cls == "LinearLR" else 2) else next(
            (k.value for k in v.keywords if k.arg == "total_iters"), None)  # fmt: skip
        return _counts_epochs(ctx, n)
    if cls in ("SequentialLR", "ChainedScheduler"):
        return _chain_in_epochs(ctx, cls, v)
    if cls == "ExponentialLR":
        n = v.args[1] if len(v.args) > 1 else next((k.value for k in v.keywords if k.arg == "gamma"), None)
        return isinstance(n, ast.Constant) and isinstance(n.value, float) and n.value < 0.99
    return False


def _chain_in_epochs(ctx: Context, cls: str, v: ast.Call) -> bool:
    """`SequentialLR(opt, [warmup, cosine], milestones=[args.warmup_epochs])`: a chain whose
    parts are schedules of this file (inline or bound once), some counted in epochs and none in
    batches, switching at a milestone counted in epochs (not a product with the loader's length)."""
    parts = v.args[1] if cls == "SequentialLR" and len(v.args) > 1 else v.args[0] if cls == "ChainedScheduler" and v.args else None
    parts = parts or next((k.value for k in v.keywords if k.arg == "schedulers"), None)
    if not isinstance(parts, (ast.List, ast.Tuple)) or not parts.elts:
        return False
    ctors = []
    for e in parts.elts:
        vals = ctx.values.get(e.id, []) if isinstance(e, ast.Name) else [e]
        if len(vals) != 1 or not isinstance(vals[0], ast.Call) or last(callee(vals[0])) not in SCHEDULER_CLASSES:
            return False
        ctors.append(vals[0])
    timed = [c for c in ctors if last(callee(c)) not in ("LambdaLR", "MultiplicativeLR", "SequentialLR", "ChainedScheduler")]
    if not timed or not all(_epoch_ctor(ctx, last(callee(c)), c) for c in timed):
        return False
    if cls == "ChainedScheduler":
        return True
    marks = v.args[2] if len(v.args) > 2 else next((k.value for k in v.keywords if k.arg == "milestones"), None)
    marks_list = marks.elts if isinstance(marks, (ast.List, ast.Tuple)) else []
    return bool(marks_list) and all(_counts_epochs(ctx, m) or isinstance(m, ast.Constant) and isinstance(m.value, int) and m.value < 300 for m in marks_list)


def _named_in_epochs(n: ast.AST | None) -> bool:
    """`step_size=cfg["lr_step_epochs"]`, `milestones=args.decay_epochs`: the setting's own name
    says epochs (not `steps_per_epoch`, `iters_per_epoch`: a count of batches)."""
    if isinstance(n, ast.Subscript):
        word = n.slice.value if isinstance(n.slice, ast.Constant) and isinstance(n.slice.value, str) else ""
    else:
        word = last(dotted(n)) if isinstance(n, (ast.Name, ast.Attribute)) else ""
    word = word.lower()
    return "epoch" in word and "per_epoch" not in word and not any(w in word for w in ("iter", "batch"))


def _counts_epochs(ctx: Context, n: ast.AST | None) -> bool:
    """A period counted in epochs: a name or setting about epochs (`args.epochs`, `cfg["epochs"]`,
    an option whose help says epochs), or epochs less or plus others (`epochs - warmup_epochs`),
    or divided by a number. A product (`epochs * len(loader)`) counts batches."""
    if isinstance(n, ast.Call) and callee(n) in ("int", "round", "max", "min", "math.ceil", "math.floor"):
        return any(_counts_epochs(ctx, a) for a in n.args) and all(_counts_epochs(ctx, a) or isinstance(a, ast.Constant) for a in n.args)
    if isinstance(n, ast.BinOp):
        sides = [n.left, n.right]
        if isinstance(n.op, (ast.Add, ast.Sub)):  # `epochs - warmup_epochs`, `epochs + 1`
            return any(_counts_epochs(ctx, x) for x in sides) and all(_counts_epochs(ctx, x) or isinstance(x, ast.Constant) for x in sides)
        if isinstance(n.op, ast.Mult):  # `0.75 * epochs`; not `epochs * 25` (batches), `epochs * steps_per_epoch`
            return any(_counts_epochs(ctx, x) for x in sides) and any(
                isinstance(x, ast.Constant) and isinstance(x.value, float) and x.value <= 1 for x in sides)  # fmt: skip
        return isinstance(n.op, (ast.Div, ast.FloorDiv)) and isinstance(n.right, ast.Constant) and _counts_epochs(ctx, n.left)
    if isinstance(n, ast.Subscript):
        key = n.slice
        return isinstance(key, ast.Constant) and isinstance(key.value, str) and "epoch" in key.value.lower()
    if isinstance(n, (ast.Name, ast.Attribute)):
        words = option_words(ctx, n)  # not "iterations per epoch": a help text about steps
        return _named_in_epochs(n) or ("epoch" in words and not any(w in words for w in ("iter", "step", "batch")))
    return False


def _with_config_kwargs(ctx: Context, call: ast.Call) -> ast.Call:
    """`MultiStepLR(opt, **cfg["lr_config"])` with `cfg = dict(lr_config=dict(milestones=[8, 11]))`
    (or a dict literal) bound once in the file: the call with those keywords spelled out."""
    extra: list[ast.keyword] = []
    for k in call.keywords:
        v = k.value
        if k.arg is not None or not (isinstance(v, ast.Subscript) and isinstance(v.value, ast.Name)):
            continue
        vals = ctx.values.get(v.value.id, [])
        sub = v.slice.value if isinstance(v.slice, ast.Constant) else None
        inner = _dict_entry(vals[0], sub) if len(vals) == 1 and isinstance(sub, str) else None
        if isinstance(inner, ast.Call) and callee(inner) == "dict" and not inner.args:
            extra += [kw for kw in inner.keywords if kw.arg]
        elif isinstance(inner, ast.Dict):
            extra += [ast.keyword(arg=kk.value, value=vv) for kk, vv in zip(inner.keys, inner.values, strict=True)
                      if isinstance(kk, ast.Constant) and isinstance(kk.value, str)]  # fmt: skip
    if not extra:
        return call
    return ast.Call(func=call.func, args=call.args, keywords=[*call.keywords, *extra])


def _dict_entry(d: ast.AST, key: str) -> ast.AST | None:
    if isinstance(d, ast.Call) and callee(d) == "dict":
        return next((k.value for k in d.keywords if k.arg == key), None)
    if isinstance(d, ast.Dict):
        return next((v for k, v in zip(d.keys, d.values, strict=True) if isinstance(k, ast.Constant) and k.value == key), None)
    return None



CHECKS = [check_scheduler]
