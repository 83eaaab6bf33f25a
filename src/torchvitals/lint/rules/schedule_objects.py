"""TVL007 through objects: a method that steps `self.scheduler` (a trainer's, a hook's) run once
per batch, with the scheduler the object was constructed with an epoch schedule.

    class LRHook:                                   # detectron2 / mmcv / OpenNMT style
        def __init__(self, scheduler): self.scheduler = scheduler
        def after_step(self): self.scheduler.step()
    for epoch in ...:
        for batch in loader:
            ...
            for h in hooks: h.after_step()          # per batch

The schedule is what every construction of the class passes for that parameter: a name bound to
a scheduler constructor, or a call to a function of this file that returns one."""

from __future__ import annotations

import ast
import copy
from collections.abc import Callable

from torchvitals.lint.calls import FUNCS, enclosing_class, functions
from torchvitals.lint.engine import (
    SCHEDULER_CLASSES,
    Context,
    callee,
    dotted,
    last,
    method,
    passed,
    receiver,
    walk_scope,
)
from torchvitals.lint.hooks import back_references, hook_targets
from torchvitals.lint.options import setting
from torchvitals.lint.rules.config_branches import (
    decide_truth,
    decided_false,
    guards,
    returned_before,
)
from torchvitals.lint.syntax import positional, walk


def per_batch_object_step(ctx: Context, step: ast.Call, epoch_ctor: Callable[[str, ast.Call], bool]) -> str | None:
    """The scheduler class when `step` (`self.<attr>.step()` in a method with no loop of its
    own) steps an epoch schedule once per batch; else None."""
    recv = receiver(step) or ""
    cls = enclosing_class(ctx, step)
    fn = ctx.scope_of(step)
    if cls is None or recv.count(".") != 1 or not isinstance(fn, FUNCS):
        return None
    if not recv.startswith("self."):
        return _runner_step(ctx, fn, recv, epoch_ctor)
    if not any(_per_batch(ctx, c) for c in ctx.calls if method(c) == fn.name and _calls_into(ctx, c, cls)):
        named = [c for c in ctx.calls if any(isinstance(a, ast.Constant) and a.value == fn.name for a in c.args)]
        if not any(_per_batch(ctx, c) for c in named if any(t.fn is fn for t in hook_targets(ctx, c))):
            return None  # nor run by name per batch: `self("after_batch")` -> getattr(cb, event)(self)
    given = [(_class_of(ctx, call), call) for call in _schedules_given(ctx, cls, recv[5:]) or _handed_over(ctx, fn, recv[5:])]
    if given and all(name in SCHEDULER_CLASSES and epoch_ctor(name, call) for name, call in given):
        return given[0][0]  # every schedule the object may hold counts in epochs (a builder may branch)
    return None


def object_schedule_in_loops(ctx: Context, step: ast.Call, epoch_ctor: Callable[[str, ast.Call], bool], loops: int) -> str | None:
    """The scheduler class when `step` (`self.<attr>.step()` in a method with a batch loop of its
    own, `train_epoch(self)`) steps an epoch schedule once per batch: some call of the method
    sits in `loops` loops (the epoch loop), and every schedule the object may hold counts in
    epochs."""
    recv = receiver(step) or ""
    cls = enclosing_class(ctx, step)
    fn = ctx.scope_of(step)
    if cls is None or not recv.startswith("self.") or recv.count(".") != 1 or not isinstance(fn, FUNCS):
        return None
    calls = [c for c in ctx.calls if method(c) == fn.name and _calls_into(ctx, c, cls)]
    if not any(len(loop_targets(ctx, c)) >= loops for c in calls):
        return None
    given = [(_class_of(ctx, call), call) for call in _schedules_given(ctx, cls, recv[5:])]
    if given and all(name in SCHEDULER_CLASSES and epoch_ctor(name, call) for name, call in given):
        return given[0][0]
    return None


def handler_object_schedule(ctx: Context, step: ast.Call, epoch_ctor: Callable[[str, ast.Call], bool]) -> str | None:
    """`self.<attr>.step()` in a method of a handler object (its `__call__`, run by an engine
    each iteration): the scheduler class when every schedule its constructions pass counts in
    epochs."""
    recv = receiver(step) or ""
    cls = enclosing_class(ctx, step)
    if cls is None or not recv.startswith("self.") or recv.count(".") != 1:
        return None
    given = [(_class_of(ctx, call), call) for call in _schedules_given(ctx, cls, recv[5:])]
    if given and all(name in SCHEDULER_CLASSES and epoch_ctor(name, call) for name, call in given):
        return given[0][0]
    return None


def collection_schedule(ctx: Context, step: ast.Call, epoch_ctor: Callable[[str, ast.Call], bool]) -> str | None:
    """The scheduler class when `step` (`s.step()` in `for s in schedulers:`, or `sched.step()`
    in a loop over any collection: a Lightning-like runner stepping whatever
    `configure_optimizers()` returned) runs once per batch, not counting the loop over the
    collection, and every scheduler constructor of the file is one class counted in epochs: whichever of them the collection holds is an epoch
    schedule stepped per batch. A file that also builds a per-step schedule is not judged."""
    recv = receiver(step) or ""
    loop = next(iter(ctx.loops_around(step)), None)
    if step.args or step.keywords or "." in recv or not isinstance(loop, (ast.For, ast.AsyncFor)) or dotted(loop.target) != recv:
        return None
    if not ((ctx.is_scheduler(dotted(loop.iter)) or ctx.is_scheduler(recv)) and _per_batch(ctx, step)):
        return None
    built = [(last(callee(c)), c) for c in ctx.calls if last(callee(c)) in SCHEDULER_CLASSES]
    if built and len({name for name, _ in built}) == 1 and all(epoch_ctor(name, c) for name, c in built):
        return built[0][0]
    return None


def _handed_over(ctx: Context, fn: ast.AST, attr: str) -> list[ast.Call]:
    """`self.scheduler` of a callback that the runner running it per batch set from its own
    (`cb.scheduler = self.scheduler`): the schedules the runner was built with."""
    out: list[ast.Call] = []
    for c in ctx.calls:
        runner = enclosing_class(ctx, c) if method(c) == getattr(fn, "name", None) and _per_batch(ctx, c) else None
        own = back_references(ctx, runner).get(attr, "") if runner is not None else ""
        if own.startswith("self.") and any(t.fn is fn for t in hook_targets(ctx, c)):
            out += _schedules_given(ctx, runner, own[5:])  # type: ignore[arg-type]
    return out


def _runner_step(ctx: Context, fn: ast.AST, recv: str, epoch_ctor: Callable[[str, ast.Call], bool]) -> str | None:
    """`runner.scheduler.step()` in a hook method given the runner (mmcv's `after_train_iter(self,
    runner)`): the runner's loop runs the hook by name once per batch, passing itself, so the
    schedule is what constructions of the runner's class pass for `scheduler`."""
    param, attr = recv.split(".")
    for c in ctx.calls:
        runner = enclosing_class(ctx, c)
        targets = [t for t in hook_targets(ctx, c) if t.fn is fn and dict(t.params).get(param) == "self"] if runner else []
        if targets and _per_batch(ctx, c):
            given = [(_class_of(ctx, call), call) for call in _schedules_given(ctx, runner, attr)]  # type: ignore[arg-type]
            if given and all(name in SCHEDULER_CLASSES and epoch_ctor(name, call) for name, call in given):
                return given[0][0]
    return None


def _calls_into(ctx: Context, call: ast.Call, cls: ast.ClassDef) -> bool:
    """`self.m()` inside the class, or `x.m()` outside it (a hook list, a trainer instance)."""
    r = receiver(call)
    return r != "self" or enclosing_class(ctx, call) is cls


def _per_batch(ctx: Context, call: ast.Call) -> bool:
    """Inside two loops, not counting a loop over the objects themselves (`for h in hooks: h.m()`);
    or inside fewer, in a method that itself runs inside the rest (`self._cb("after_batch")` in
    a `one_batch` the fit loop calls per batch, two loops deep)."""
    r = receiver(call)
    loops = [t for t in loop_targets(ctx, call) if not (r and dotted(t) == r)]
    if len(loops) >= 2:
        return True
    own = [lp for lp in ctx.loops_around(call) if not (isinstance(lp, ast.For) and r and dotted(lp.target) == r)]
    return not (own and _epoch_loop(own[0])) and _runs_in_loops(ctx, call, 2 - len(loops), not loops)


def _runs_in_loops(ctx: Context, node: ast.AST, need: int, innermost: bool, depth: int = 0) -> bool:
    """The function holding `node` is called (by name or as a method, from this file) inside
    `need` more loops, one or two calls up. When the first loop met is the innermost one around
    the step, it must not count epochs (`for epoch ...: self.run_epoch()` runs once an epoch)."""
    fn = ctx.scope_of(node)
    if depth >= 2 or not isinstance(fn, FUNCS) or fn.name.startswith("__") or "epoch" in fn.name.lower():
        return False
    if any(isinstance(n, (ast.For, ast.AsyncFor, ast.While)) and not _within(node, n) for n in walk_scope(fn)):
        return False  # `run_epoch`: a loop of its own, then the call: once per call, i.e. per epoch
    for c in ctx.calls:
        if (method(c) if isinstance(c.func, ast.Attribute) else callee(c)) != fn.name or ctx.scope_of(c) is fn:
            continue
        around = [a for a in ctx.ancestors(c) if isinstance(a, (ast.For, ast.AsyncFor, ast.While))]
        around = [a for a in around if ctx.scope_of(a) is ctx.scope_of(c)]
        if innermost and around and _epoch_loop(around[0]):
            continue
        if len(around) >= need or (not around and _runs_in_loops(ctx, c, need, innermost, depth + 1)):
            return True
        if around and _runs_in_loops(ctx, c, need - len(around), False, depth + 1):
            return True
    return False


def _within(inner: ast.AST, outer: ast.AST) -> bool:
    return outer.lineno <= inner.lineno <= (outer.end_lineno or 0)  # type: ignore[attr-defined]


def _epoch_loop(loop: ast.AST) -> bool:
    """`for epoch in ...`, `for _ in range(self.max_epochs)`: a loop whose target or bound names
    epochs (not `range(steps_per_epoch)`, a count of batches)."""
    parts = [getattr(loop, "target", None), getattr(loop, "iter", None), getattr(loop, "test", None)]
    names = [(dotted(n) or "").lower() for p in parts if p is not None for n in walk(p) if isinstance(n, (ast.Name, ast.Attribute))]
    return any("epoch" in n.rsplit(".", 1)[-1] and "per_epoch" not in n for n in names)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def loop_targets(ctx: Context, node: ast.AST) -> list[ast.AST | None]:
    """The target of every loop around `node` in its function, innermost first: `for` statements
    (a `while` has None) and the generators of a comprehension holding it (`losses =
    [self.train_step(x, y) for x, y in loader]` runs the method once per batch, like a loop)."""
    out: list[ast.AST | None] = []
    for a in ctx.ancestors(node):
        if isinstance(a, (ast.For, ast.AsyncFor)):
            out.append(a.target)
        elif isinstance(a, ast.While):
            out.append(None)
        elif isinstance(a, _COMPREHENSIONS):
            out += [g.target for g in reversed(a.generators)]
    return out


def _schedules_given(ctx: Context, cls: ast.ClassDef, attr: str) -> list[ast.Call]:
    """Scheduler constructor calls that constructions of `cls` pass to the `__init__` parameter
    stored as `self.<attr>`."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    param = stored_param(init, attr) if init is not None else None
    made_by = _made_by_stored_callable(cls, attr) if init is not None and param is None else None
    if made_by is not None:  # `self.sched = self.sched_fn(opt, n_epoch)`, sched_fn given to __init__
        param = stored_param(init, made_by)  # type: ignore[arg-type]
    if param is None:
        return [] if init is None or made_by is not None else _built_in_init(ctx, cls, attr)
    names = positional(init)[1:]  # type: ignore[arg-type]
    out: list[ast.Call] = []
    for c in ctx.calls:
        if last(callee(c)) != cls.name:
            continue
        i = names.index(param) if param in names else -1
        given = passed(c, i, param)
        out += _scheduler_ctors(ctx, given) if made_by is None else _callable_ctors(ctx, given)
    return out


def _built_in_init(ctx: Context, cls: ast.ClassDef, attr: str) -> list[ast.Call]:
    """`self.<attr> = CosineAnnealingLR(...)` or `= build_scheduler(args, self.optimizer)` (in
    `__init__`, or a setup method): the object builds its own schedule. Every binding of
    `self.<attr>` in the class must be such a call (one that is not, a parameter, leaves the
    schedule unknown), but for a `= None` placeholder (what is stepped is never None)."""
    out: list[ast.Call] = []
    for n in walk(cls):
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and any(dotted(t) == f"self.{attr}" for t in _targets(n)):
            if isinstance(n.value, ast.Constant) and n.value.value is None or n.value is None:
                continue  # `self.sched = None` until a setup hook builds it: stepping None would crash
            made = _scheduler_ctors(ctx, n.value) if isinstance(n.value, ast.Call) else []
            if not made:
                return []
            out += [_with_init_args(ctx, cls, m) for m in made]
    return out


def _with_init_args(ctx: Context, cls: ast.ClassDef, ctor: ast.Call) -> ast.Call:
    """`StepLR(opt, step_size=self.step_size)` in a callback built once as
    `SchedCallback(cfg["decay_epochs"])`: a copy of the constructor call with each `self.<attr>`
    argument that `__init__` stores from a parameter replaced by what that one construction
    passes, so the period's name or value can be read. Unchanged when built more than once."""
    init = next((f for f in cls.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)
    built = [c for c in ctx.calls if last(callee(c)) == cls.name]
    if init is None or len(built) != 1:
        return ctor
    names = positional(init)[1:]

    def given(arg: ast.expr) -> ast.expr:
        d = dotted(arg) or ""
        param = stored_param(init, d[5:]) if d.startswith("self.") and d.count(".") == 1 else None
        new = passed(built[0], names.index(param), param) if param in names else None
        return new if new is not None else _default(init, param) or arg

    out = copy.copy(ctor)
    out.args = [given(a) for a in ctor.args]
    out.keywords = [ast.keyword(arg=k.arg, value=given(k.value)) for k in ctor.keywords]
    return out


def _default(fn: ast.FunctionDef, param: str | None) -> ast.expr | None:
    """The default value of `fn`'s parameter `param` (what a construction that omits it gets)."""
    args = [*fn.args.posonlyargs, *fn.args.args]
    defaults = dict(zip([a.arg for a in args[len(args) - len(fn.args.defaults) :]], fn.args.defaults, strict=True))
    defaults |= {a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True) if d is not None}
    return defaults.get(param) if param else None


def _targets(n: ast.Assign | ast.AnnAssign) -> list[ast.expr]:
    return n.targets if isinstance(n, ast.Assign) else [n.target]


def _made_by_stored_callable(cls: ast.ClassDef, attr: str) -> str | None:
    """`self.<attr> = self.<f>(...)` in a method of `cls`: the attribute `f` (a factory the
    object was given, fastai ParamScheduler-style)."""
    for n in walk(cls):
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and dotted(n.targets[0]) == f"self.{attr}":
            f = n.value.func if isinstance(n.value, ast.Call) else None
            d = dotted(f) if f is not None else None
            if d and d.startswith("self.") and d.count(".") == 1:
                return d[5:]
    return None


def _callable_ctors(ctx: Context, expr: ast.AST | None) -> list[ast.Call]:
    """The scheduler constructors a factory argument returns: a lambda's body, or a function
    of this file's returns (directly or through the name it is bound to)."""
    if isinstance(expr, ast.Name) and expr.id not in functions(ctx):
        vals = ctx.values.get(expr.id, [])
        return [c for v in vals for c in _callable_ctors(ctx, v)] if len(vals) == 1 else []
    if isinstance(expr, ast.Lambda):
        body = expr.body
        return [body] if isinstance(body, ast.Call) and last(callee(body)) in SCHEDULER_CLASSES else []
    fn = functions(ctx).get(expr.id) if isinstance(expr, ast.Name) else None
    rets = [r.value for r in walk_scope(fn) if isinstance(r, ast.Return) and isinstance(r.value, ast.Call)] if fn else []
    return [r for r in rets if last(callee(r)) in SCHEDULER_CLASSES]


def stored_param(init: ast.FunctionDef, attr: str) -> str | None:
    """The parameter `__init__` stores as `self.<attr>` (plain or tuple assignment)."""
    for n in walk_scope(init):
        if not isinstance(n, ast.Assign) or len(n.targets) != 1:
            continue
        t, v = n.targets[0], n.value
        pairs = zip(t.elts, v.elts, strict=False) if isinstance(t, ast.Tuple) and isinstance(v, ast.Tuple) else [(t, v)]
        for tt, vv in pairs:
            if dotted(tt) == f"self.{attr}" and isinstance(vv, ast.Name):
                return vv.id
    return None


def _scheduler_ctors(ctx: Context, expr: ast.AST | None) -> list[ast.Call]:
    """The scheduler constructor calls an argument stands for: a name's values, or the returns
    of a function of this file it calls."""
    if isinstance(expr, ast.Name):
        out = [v for v in ctx.values.get(expr.id, []) if isinstance(v, ast.Call) and last(callee(v)) in SCHEDULER_CLASSES]
        return out + [c for v in ctx.values.get(expr.id, []) if isinstance(v, ast.Call) for _, c in built_schedules(ctx, v)]
    if isinstance(expr, ast.Call):
        if last(callee(expr)) in SCHEDULER_CLASSES:
            return [expr]
        return [c for _, c in built_schedules(ctx, expr)]
    return []


def built_schedules(ctx: Context, call: ast.Call) -> list[tuple[str, ast.Call]]:
    """`build_scheduler(optimizer, cfg["lr_config"])`, a function of this file returning a
    scheduler: (its class, the constructor with the builder's parameters replaced by what this
    call passes). The class may be named by the config: `getattr(lr_scheduler, cfg.pop("type"))`."""
    fn = functions(ctx).get(callee(call)) if isinstance(call.func, ast.Name) else None
    if fn is None:
        return []
    given = dict(given_args(fn, call))
    local = {n.targets[0].id: n.value for n in walk_scope(fn) if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name)}
    for name, v in local.items():  # `cfg = dict(cfg)`: a copy of what the caller passed
        if isinstance(v, ast.Call) and callee(v) == "dict" and len(v.args) == 1 and not v.keywords:
            if isinstance(v.args[0], ast.Name) and v.args[0].id in given:
                given[name] = given[v.args[0].id]
    given.update(_config_views(fn, given))
    out = []
    for r in walk_scope(fn):
        if not (isinstance(r, ast.Return) and isinstance(r.value, ast.Call)):
            continue
        if any(decided_false(ctx, Substitute(given).visit(copy.deepcopy(t)), ctx.scope_of(call)) for t in guards(ctx, r, fn)):
            continue  # `if cfg["name"] == "cosine":` with the caller's config naming another kind
        if any(decide_truth(ctx, Substitute(given).visit(copy.deepcopy(t)), ctx.scope_of(call)) for t in returned_before(ctx, r, fn)):
            continue  # a fallback after `if cfg["kind"] == "step": return ...` that the config takes
        ctor = Substitute(given).visit(copy.deepcopy(r.value))
        cls = last(callee(ctor))
        if cls not in SCHEDULER_CLASSES and isinstance(r.value.func, ast.Name) and r.value.func.id in local:
            cls = _class_named(ctx, Substitute(given).visit(copy.deepcopy(local[r.value.func.id])))
        elif cls not in SCHEDULER_CLASSES and isinstance(r.value.func, ast.Call):  # getattr(lr_scheduler, kind)(...)
            named = Substitute({k: v for k, v in local.items() if k not in given}).visit(copy.deepcopy(r.value.func))
            ctor.func = Substitute(given).visit(named)
            cls = _class_named(ctx, ctor.func)
        if cls in SCHEDULER_CLASSES:
            out.append((cls, ctor))
    return out


def _config_views(fn: ast.FunctionDef | ast.AsyncFunctionDef, given: dict[str, ast.expr]) -> dict[str, ast.expr]:
    """`sc = cfg["solver"]["scheduler"]` bound once in a builder, `cfg` a parameter: the local
    name as the caller's lookup (`CFG["solver"]["scheduler"]`), so that `sc["milestones"]` and a
    guard `sc["name"] == "multistep"` read back to the caller's literal config."""
    bound: dict[str, list[ast.expr]] = {}
    for n in walk_scope(fn):
        if isinstance(n, ast.Assign):
            for t in n.targets:
                for name in [e for e in (t.elts if isinstance(t, ast.Tuple) else [t]) if isinstance(e, ast.Name)]:
                    bound.setdefault(name.id, []).append(n.value)
    out: dict[str, ast.expr] = {}
    for name, vals in bound.items():
        v = vals[0]
        if name in given or len(vals) != 1 or not isinstance(v, (ast.Subscript, ast.Attribute)):
            continue
        root = v
        while isinstance(root, (ast.Subscript, ast.Attribute)):
            if isinstance(root, ast.Subscript) and not isinstance(root.slice, ast.Constant):
                break
            root = root.value
        if isinstance(root, ast.Name) and root.id in given:
            out[name] = Substitute(given).visit(copy.deepcopy(v))
    return out


def given_args(fn: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call) -> list[tuple[str, ast.expr]]:
    """Each parameter of `fn` and the expression `call` passes for it."""
    names = positional(fn)
    out = [(n, a) for n, a in zip(names, call.args, strict=False) if not isinstance(a, ast.Starred)]
    return out + [(k.arg, k.value) for k in call.keywords if k.arg]


class Substitute(ast.NodeTransformer):
    """Parameter names replaced by the caller's expressions; `cfg.pop("k")` / `cfg.get("k")`
    read as `cfg["k"]` (what a config lookup returns)."""

    def __init__(self, given: dict[str, ast.expr]) -> None:
        self.given = given

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return copy.deepcopy(self.given[node.id]) if node.id in self.given else node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if method(node) in ("pop", "get") and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.func, ast.Attribute):
            return ast.Subscript(value=node.func.value, slice=node.args[0], ctx=ast.Load())
        return node


def _class_of(ctx: Context, ctor: ast.Call) -> str:
    """The scheduler class a constructor call builds, also when a config names it."""
    name = last(callee(ctor))
    return name if name in SCHEDULER_CLASSES else _class_named(ctx, ctor.func) or name


def _class_named(ctx: Context, expr: ast.AST) -> str | None:
    """`getattr(torch.optim.lr_scheduler, <setting>)`: the scheduler class the setting names."""
    if not (isinstance(expr, ast.Call) and callee(expr) == "getattr" and len(expr.args) == 2):
        return None
    if "lr_scheduler" not in (dotted(expr.args[0]) or ""):
        return None
    name = expr.args[1] if isinstance(expr.args[1], ast.Constant) else setting(ctx, expr.args[1])
    return name.value if isinstance(name, ast.Constant) and isinstance(name.value, str) else None
